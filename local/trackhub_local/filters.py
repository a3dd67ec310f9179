"""Lambda event filtering (FilterCriteria) for the event-source mappings the stack emulates.

Patterns use the EventBridge syntax Lambda accepts: a value list means "any of these"; objects hold
operators (prefix, suffix, anything-but, numeric, exists, equals-ignore-case, wildcard). Several
filters are OR-ed; the fields of one pattern are AND-ed.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MISSING = object()


def matches_any(patterns: Iterable[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """True when there are no patterns (no FilterCriteria) or at least one pattern matches."""
    patterns = list(patterns)
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Mapping[str, Any], data: Any) -> bool:
    for key, rule in pattern.items():
        value = data.get(key, _MISSING) if isinstance(data, Mapping) else _MISSING
        if isinstance(rule, Mapping):
            if not matches(rule, value if isinstance(value, Mapping) else {}):
                return False
        elif not _any_rule(rule if isinstance(rule, list) else [rule], value):
            return False
    return True


def _any_rule(rules: list[Any], value: Any) -> bool:
    present = value is not _MISSING
    candidates = value if isinstance(value, list) else [value]
    for rule in rules:
        if isinstance(rule, Mapping) and "exists" in rule:
            if bool(rule["exists"]) == present:
                return True
        elif present and any(_match_one(rule, candidate) for candidate in candidates):
            return True
    return False


def _match_one(rule: Any, value: Any) -> bool:
    if not isinstance(rule, Mapping):
        return (bool(rule == value) and type(rule) is type(value)) or _same_number(rule, value)
    if "prefix" in rule:
        prefix = rule["prefix"]
        if isinstance(prefix, Mapping):  # {"prefix": {"equals-ignore-case": "x"}}
            return isinstance(value, str) and value.lower().startswith(
                str(prefix["equals-ignore-case"]).lower()
            )
        return isinstance(value, str) and value.startswith(str(prefix))
    if "suffix" in rule:
        suffix = rule["suffix"]
        if isinstance(suffix, Mapping):
            return isinstance(value, str) and value.lower().endswith(
                str(suffix["equals-ignore-case"]).lower()
            )
        return isinstance(value, str) and value.endswith(str(suffix))
    if "equals-ignore-case" in rule:
        return isinstance(value, str) and value.lower() == str(rule["equals-ignore-case"]).lower()
    if "wildcard" in rule:
        return isinstance(value, str) and fnmatch.fnmatchcase(value, str(rule["wildcard"]))
    if "anything-but" in rule:
        excluded = rule["anything-but"]
        if isinstance(excluded, Mapping):
            return not _match_one(excluded, value)
        excluded = excluded if isinstance(excluded, list) else [excluded]
        return not any(_match_one(item, value) for item in excluded)
    if "numeric" in rule:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        terms = list(rule["numeric"])
        return all(
            _NUMERIC[op](number, float(bound)) for op, bound in zip(terms[::2], terms[1::2], strict=True)
        )
    return False


def _same_number(rule: Any, value: Any) -> bool:
    numbers = (int, float)
    if isinstance(rule, bool) or isinstance(value, bool):
        return False
    return isinstance(rule, numbers) and isinstance(value, numbers) and float(rule) == float(value)


def sqs_filter_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """What an SQS pattern sees: the record, with a JSON body parsed (patterns address its fields)."""
    view = dict(record)
    with contextlib.suppress(TypeError, ValueError):
        view["body"] = json.loads(record.get("body") or "")
    return view
