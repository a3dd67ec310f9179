"""xAPI 1.0.3 statement comparison (Data 2.3.1): is a re-sent statement the one already stored?

Differences the specification itself can cause are ignored: the LRS-set `authority`, `stored` and
`version`, the case of the id and other UUIDs, timestamp formatting (offsets, precision) and default
`objectType`s written out or left implicit. Anything else makes it a different statement (409).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trackhub.xapi.models import UUID_RE

_IGNORED = ("authority", "stored", "version")
_DEFAULT_TYPES = {"actor": "Agent", "object": "Activity", "instructor": "Agent", "member": "Agent"}


def _timestamp(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _normal(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        out = {k: _normal(v, k) for k, v in value.items()}
        # Only a default type is dropped; a dict with no objectType under another key has none to drop.
        if key in _DEFAULT_TYPES and out.get("objectType") == _DEFAULT_TYPES[key]:
            out.pop("objectType")
        return out
    if isinstance(value, list):
        return [_normal(v, key) for v in value]
    if isinstance(value, str):
        if UUID_RE.match(value):
            return value.lower()
        if key == "timestamp":
            return _timestamp(value)
    return value


def same_statement(stored: dict[str, Any], sent: dict[str, Any]) -> bool:
    """True when `sent` is `stored` up to the differences the spec says to ignore."""
    # a statement sent without `timestamp` got the LRS's (its `stored`): not a difference
    ignored = _IGNORED if "timestamp" in sent else (*_IGNORED, "timestamp")
    a = {k: v for k, v in stored.items() if k not in ignored}
    b = {k: v for k, v in sent.items() if k not in ignored}
    return bool(_normal(a) == _normal(b))
