"""Reading a function's environment into its settings: typed values, checked bounds, errors that name the
variable.

Settings are NamedTuples built by these readers rather than pydantic models: a function whose routes
validate no body (every xAPI route, the queue consumers, path-only admin routes) then never imports
pydantic, at init or on a request - Powertools' event handler makes the same choice without validation
(docs/performance.md, "Session 7"). Request and response bodies stay pydantic models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T", int, float)


class SettingsError(ValueError):
    """An environment variable is missing or holds a value the function cannot run with."""


def required(env: Mapping[str, str], name: str) -> str:
    """A non-empty string."""
    value = env.get(name, "")
    if not value:
        raise SettingsError(f"{name} is required")
    return value


def text(env: Mapping[str, str], name: str, default: str, *, pattern: str | None = None) -> str:
    """A string (the default when unset); `pattern` is searched in it (anchor it to match it all)."""
    value = env.get(name, default)
    if pattern is not None and re.search(pattern, value) is None:
        raise SettingsError(f"{name} must match {pattern}: {value!r}")
    return value


def integer(
    env: Mapping[str, str], name: str, default: int, *, ge: int | None = None, le: int | None = None
) -> int:
    """An integer within [ge, le] (the default when unset)."""
    value = _parsed(env, name, default, int, "an integer")
    _bounded(name, value, ge, le)
    return value


def number(
    env: Mapping[str, str], name: str, default: float, *, gt: float | None = None, le: float | None = None
) -> float:
    """A number in (gt, le] (the default when unset)."""
    value = _parsed(env, name, default, float, "a number")
    if value != value or (gt is not None and value <= gt):  # NaN is never a setting
        raise SettingsError(f"{name} must be greater than {gt}: {value}")
    _bounded(name, value, None, le)
    return value


def _parsed(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T], what: str) -> T:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return kind(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be {what}: {raw!r}") from None


def _bounded(name: str, value: float, ge: float | None, le: float | None) -> None:
    if ge is not None and value < ge:
        raise SettingsError(f"{name} must be at least {ge}: {value}")
    if le is not None and value > le:
        raise SettingsError(f"{name} must be at most {le}: {value}")
