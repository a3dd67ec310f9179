"""The event store's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import integer, required


class EventStoreSettings(NamedTuple):
    """The event store's table and how hard a publish fights for its program's sequence counter."""

    EVENTS_TABLE_NAME: str
    EVENTS_PUBLISH_MAX_ATTEMPTS: int
    EVENTS_PUBLISH_BACKOFF_MS: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EventStoreSettings:
        return cls(
            EVENTS_TABLE_NAME=required(env, "EVENTS_TABLE_NAME"),
            EVENTS_PUBLISH_MAX_ATTEMPTS=integer(env, "EVENTS_PUBLISH_MAX_ATTEMPTS", 16, ge=1, le=50),
            EVENTS_PUBLISH_BACKOFF_MS=integer(env, "EVENTS_PUBLISH_BACKOFF_MS", 20, ge=0, le=5_000),
        )
