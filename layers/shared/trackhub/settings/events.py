"""The event store's settings."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class EventStoreSettings(EnvModel):
    """The event store's table and how hard a publish fights for its program's sequence counter."""

    EVENTS_TABLE_NAME: str = Field(min_length=1)
    EVENTS_PUBLISH_MAX_ATTEMPTS: int = Field(default=16, ge=1, le=50)
    EVENTS_PUBLISH_BACKOFF_MS: int = Field(default=20, ge=0, le=5_000)
