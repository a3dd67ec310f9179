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
    # Built on first use: a function validates the few settings it reads, never all of them at import.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class ApiSettings(_EnvModel):
    """Limits every HTTP function applies before routing."""

    MAX_BODY_BYTES: int = Field(default=1_048_576, gt=0)
    MAX_JSON_DEPTH: int = Field(default=32, gt=0)


class TenancySettings(_EnvModel):
    TENANCY_TABLE_NAME: str = Field(min_length=1)


class EventStoreSettings(_EnvModel):
    """The event store's table and how hard a publish fights for its program's sequence counter."""

    EVENTS_TABLE_NAME: str = Field(min_length=1)
    EVENTS_PUBLISH_MAX_ATTEMPTS: int = Field(default=16, ge=1, le=50)
    EVENTS_PUBLISH_BACKOFF_MS: int = Field(default=20, ge=0, le=5_000)


class CollectorSettings(_EnvModel):
    """The RAGE collector: its table, the auth tokens' sliding lifetime, the actors' homePage."""

    COLLECTOR_TABLE_NAME: str = Field(min_length=1)
    COLLECTOR_TOKEN_TTL_SECONDS: int = Field(default=86_400, ge=60, le=30 * 86_400)
    COLLECTOR_HOME_PAGE: str = ""  # empty: <proto>://<Host of the request>/


class CollectorJwtSettings(_EnvModel):
    """Where per-account JWT settings live in SSM Parameter Store, and how long a read is cached."""

    COLLECTOR_JWT_PARAMETER_PREFIX: str = Field(
        default="/trackhub/collector/jwt", pattern=r"^/[A-Za-z0-9_./-]+$"
    )
    COLLECTOR_JWT_SETTINGS_MAX_AGE: int = Field(default=60, ge=0, le=3_600)


class StatementSettings(_EnvModel):
    """The xAPI statement store shared by the collector and the LRS."""

    STATEMENTS_TABLE_NAME: str = Field(min_length=1)
    STATEMENTS_WRITE_MAX_ATTEMPTS: int = Field(default=6, ge=1, le=20)
    STATEMENTS_WRITE_BACKOFF_MS: int = Field(default=50, ge=0, le=5_000)
    # X-Experience-API-Consistent-Through = now - this: GSI propagation plus a write's duration
    XAPI_CONSISTENT_LAG_MS: int = Field(default=1_000, ge=0, le=60_000)


class AttachmentSettings(_EnvModel):
    """The S3 bucket holding xAPI attachment content, one object per `<accountId>/<sha2>`."""

    ATTACHMENTS_BUCKET_NAME: str = Field(min_length=1)


class DocumentSettings(_EnvModel):
    """The xAPI document store (State, Activity Profile, Agent Profile resources)."""

    XAPI_DOCUMENTS_TABLE_NAME: str = Field(min_length=1)
    # Content is kept in the item (DynamoDB's item limit is 400 KB); larger documents are a 413.
    XAPI_DOCUMENT_MAX_BYTES: int = Field(default=350 * 1024, ge=1, le=380 * 1024)


class WebhookSettings(_EnvModel):
    """Webhooks: their table and queues, the retry schedule and the sender's limits (docs/webhooks.md)."""

    WEBHOOKS_TABLE_NAME: str = Field(min_length=1)
    WEBHOOK_QUEUE_URL: str = ""
    WEBHOOK_DLQ_URL: str = ""
    # Seconds after each failed attempt, the last repeating (each 0..43200: SQS's visibility ceiling).
    WEBHOOK_RETRY_SCHEDULE: str = Field(
        default="60,120,300,600,900,1200,1200,1200,1200", pattern=r"^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$"
    )
    WEBHOOK_ALLOW_NETWORKS: str = ""
    WEBHOOK_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=60)
    WEBHOOK_MAX_RESPONSE_BYTES: int = Field(default=65_536, ge=0, le=1_048_576)


class WebTrackingSettings(_EnvModel):
    """Web tracking's table, how long a launch's webToken lives, and how hard a push retries a lost race."""

    WEBTRACKING_TABLE_NAME: str = Field(min_length=1)
    WEBTOKEN_TTL_SECONDS: int = Field(default=7 * 24 * 3600, ge=1, le=365 * 24 * 3600)
    WEBTRACKING_PUSH_MAX_ATTEMPTS: int = Field(default=5, ge=1, le=20)


@cache
def webtracking_settings() -> WebTrackingSettings:
    return WebTrackingSettings.model_validate(dict(os.environ))


@cache
def api_settings() -> ApiSettings:
    return ApiSettings.model_validate(dict(os.environ))


@cache
def tenancy_settings() -> TenancySettings:
    return TenancySettings.model_validate(dict(os.environ))


@cache
def event_store_settings() -> EventStoreSettings:
    return EventStoreSettings.model_validate(dict(os.environ))


@cache
def collector_settings() -> CollectorSettings:
    return CollectorSettings.model_validate(dict(os.environ))


@cache
def collector_jwt_settings() -> CollectorJwtSettings:
    return CollectorJwtSettings.model_validate(dict(os.environ))


@cache
def statement_settings() -> StatementSettings:
    return StatementSettings.model_validate(dict(os.environ))


@cache
def attachment_settings() -> AttachmentSettings:
    return AttachmentSettings.model_validate(dict(os.environ))


@cache
def document_settings() -> DocumentSettings:
    return DocumentSettings.model_validate(dict(os.environ))


@cache
def webhook_settings() -> WebhookSettings:
    return WebhookSettings.model_validate(dict(os.environ))


def reset_settings() -> None:
    """Forget validated settings (tests change the environment between cases)."""
    api_settings.cache_clear()
    tenancy_settings.cache_clear()
    event_store_settings.cache_clear()
    webtracking_settings.cache_clear()
    webhook_settings.cache_clear()
    collector_settings.cache_clear()
    collector_jwt_settings.cache_clear()
    statement_settings.cache_clear()
    attachment_settings.cache_clear()
    document_settings.cache_clear()
