"""Configuration: each concern reads its environment into a typed record, once per cold start.

A function only carries the variables of the tables and queues it uses (least privilege), so the
settings are split by concern and validated lazily: a handler that never touches the event store
never needs EVENTS_TABLE_NAME. Each accessor imports its class (`trackhub.settings.<concern>`) on
first use, so a cold start creates only the settings classes its function reads.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trackhub.settings.api import ApiSettings
    from trackhub.settings.attachments import AttachmentSettings
    from trackhub.settings.collector import CollectorJwtSettings, CollectorSettings
    from trackhub.settings.documents import DocumentSettings
    from trackhub.settings.events import EventStoreSettings
    from trackhub.settings.statements import StatementSettings
    from trackhub.settings.tenancy import TenancySettings
    from trackhub.settings.webhooks import WebhookSettings
    from trackhub.settings.webtracking import WebTrackingSettings


@cache
def webtracking_settings() -> WebTrackingSettings:
    from trackhub.settings.webtracking import WebTrackingSettings

    return WebTrackingSettings.from_env(os.environ)


@cache
def api_settings() -> ApiSettings:
    from trackhub.settings.api import ApiSettings

    return ApiSettings.from_env(os.environ)


@cache
def tenancy_settings() -> TenancySettings:
    from trackhub.settings.tenancy import TenancySettings

    return TenancySettings.from_env(os.environ)


@cache
def event_store_settings() -> EventStoreSettings:
    from trackhub.settings.events import EventStoreSettings

    return EventStoreSettings.from_env(os.environ)


@cache
def collector_settings() -> CollectorSettings:
    from trackhub.settings.collector import CollectorSettings

    return CollectorSettings.from_env(os.environ)


@cache
def collector_jwt_settings() -> CollectorJwtSettings:
    from trackhub.settings.collector import CollectorJwtSettings

    return CollectorJwtSettings.from_env(os.environ)


@cache
def statement_settings() -> StatementSettings:
    from trackhub.settings.statements import StatementSettings

    return StatementSettings.from_env(os.environ)


@cache
def attachment_settings() -> AttachmentSettings:
    from trackhub.settings.attachments import AttachmentSettings

    return AttachmentSettings.from_env(os.environ)


@cache
def document_settings() -> DocumentSettings:
    from trackhub.settings.documents import DocumentSettings

    return DocumentSettings.from_env(os.environ)


@cache
def webhook_settings() -> WebhookSettings:
    from trackhub.settings.webhooks import WebhookSettings

    return WebhookSettings.from_env(os.environ)


def reset_settings() -> None:
    """Forget validated settings (tests change the environment between cases)."""
    webtracking_settings.cache_clear()
    api_settings.cache_clear()
    tenancy_settings.cache_clear()
    event_store_settings.cache_clear()
    collector_settings.cache_clear()
    collector_jwt_settings.cache_clear()
    statement_settings.cache_clear()
    attachment_settings.cache_clear()
    document_settings.cache_clear()
    webhook_settings.cache_clear()
