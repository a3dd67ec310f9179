"""Configuration: each concern reads its environment into a pydantic model, once per cold start.

A function only carries the variables of the tables and queues it uses (least privilege), so the
settings are split by concern and validated lazily: a handler that never touches the event store
never needs EVENTS_TABLE_NAME.
"""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class _EnvModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ApiSettings(_EnvModel):
    """Limits every HTTP function applies before routing."""

    MAX_BODY_BYTES: int = Field(default=1_048_576, gt=0)
    MAX_JSON_DEPTH: int = Field(default=32, gt=0)


class TenancySettings(_EnvModel):
    TENANCY_TABLE_NAME: str = Field(min_length=1)


class EventStoreSettings(_EnvModel):
    """The event store's table and how hard a publish fights for its program's sequence counter."""

    EVENTS_TABLE_NAME: str = Field(min_length=1)
    EVENTS_PUBLISH_MAX_ATTEMPTS: int = Field(default=8, ge=1, le=50)
    EVENTS_PUBLISH_BACKOFF_MS: int = Field(default=20, ge=0, le=5_000)


@cache
def api_settings() -> ApiSettings:
    return ApiSettings.model_validate(dict(os.environ))


@cache
def tenancy_settings() -> TenancySettings:
    return TenancySettings.model_validate(dict(os.environ))


@cache
def event_store_settings() -> EventStoreSettings:
    return EventStoreSettings.model_validate(dict(os.environ))


def reset_settings() -> None:
    """Forget validated settings (tests change the environment between cases)."""
    api_settings.cache_clear()
    tenancy_settings.cache_clear()
    event_store_settings.cache_clear()
