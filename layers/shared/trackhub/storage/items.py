"""Helpers shared by repositories: typed (de)serialization for low-level calls and paging."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_MAX_TIMESTAMP_CHARS = 64


def to_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items()}


def from_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a Z: sorts lexicographically in time order."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_utc(value: Any, *, round_up: bool = False) -> datetime:
    """An ISO-8601 string with `Z` or an offset -> an aware UTC datetime in whole milliseconds.

    Sub-millisecond digits are dropped (stored times), or rounded up (`round_up`, for a lower bound
    such as `since`, so that it excludes exactly what it should at millisecond resolution).
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= _MAX_TIMESTAMP_CHARS:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO-8601 date-time such as 2024-05-01T12:30:00Z") from None
    else:
        raise ValueError("must be an ISO-8601 date-time string such as 2024-05-01T12:30:00Z")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("must include Z or a UTC offset (a time without one is ambiguous)")
    try:
        moment = moment.astimezone(UTC)
        spare = moment.microsecond % 1000
        moment -= timedelta(microseconds=spare)
        if round_up and spare:
            moment += timedelta(milliseconds=1)
    except OverflowError:
        raise ValueError("is out of range") from None
    return moment


def query_all(query: Callable[..., dict[str, Any]], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Follow LastEvaluatedKey through every page of a Query (admin listings only)."""
    while True:
        page = query(**kwargs)
        yield from page.get("Items", [])
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last
