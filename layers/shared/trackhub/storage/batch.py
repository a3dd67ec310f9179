"""BatchGetItem with its UnprocessedKeys re-sent: several small reads in one round trip."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackhub.errors import DependencyUnavailable
from trackhub.storage.clients import dynamodb_client
from trackhub.storage.errors import unavailable_on_outage
from trackhub.storage.items import from_attribute_values, to_attribute_values

_ATTEMPTS = 3


def get_many(table_name: str, keys: Sequence[dict[str, Any]], *, what: str) -> list[dict[str, Any]]:
    """The items that exist among `keys` (at most 100), read consistently, in no particular order."""
    return get_across({table_name: keys}, what=what)[table_name]


def get_across(keys: Mapping[str, Sequence[dict[str, Any]]], *, what: str) -> dict[str, list[dict[str, Any]]]:
    """Per table, the items that exist among its keys (100 keys in all at most), read consistently."""
    request: dict[str, Any] = {
        name: {"Keys": [to_attribute_values(k) for k in table_keys], "ConsistentRead": True}
        for name, table_keys in keys.items()
    }
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in keys}
    for _ in range(_ATTEMPTS):
        with unavailable_on_outage(what):
            answer = dynamodb_client().batch_get_item(RequestItems=request)
        for name, items in answer.get("Responses", {}).items():
            found[name].extend(from_attribute_values(i) for i in items)
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            return found
    raise DependencyUnavailable(f"{what} is busy; retry later")
