"""Webhook domain models: webhooks (subscriptions and code webhooks), deliveries, their call method.
The viewer's context is in context.py (only renders parse it)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class Method(StrEnum):
    GET = "GET"
    POST = "POST"


class WebhookKind(StrEnum):
    SUBSCRIPTION = "subscription"  # POST /v1/webhooks: fires on hub events
    CODE = "code"  # created by rendering a {WEBHOOK} code


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued or between attempts
    DELIVERED = "delivered"
    PARKED = "parked"  # ten failures: in the dead-letter queue until redriven


class Webhook(NamedTuple):
    webhook_id: str
    account_id: str
    kind: WebhookKind
    url: str
    method: Method
    secret: str | None
    lock_minutes: int
    programs: tuple[str, ...]
    types: tuple[str, ...]
    created_at: datetime


class Attempt(NamedTuple):
    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class Delivery(NamedTuple):
    delivery_id: str
    account_id: str
    webhook_id: str
    source: str  # render | event | test
    method: Method
    url: str  # with the query string for GET
    body: str | None  # JSON for POST
    signing_key: str | None  # whsec_ derived from the secret
    created_at: datetime
    status: DeliveryStatus
    attempts: int
    enqueued: bool
    next_attempt_at: float  # epoch seconds; an attempt never starts before it
    event_id: str | None = None
    history: tuple[Attempt, ...] = ()

    @property
    def message_id(self) -> str:
        """Standard Webhooks `webhook-id`: stable across retries, no '.' in it."""
        return f"msg_{self.delivery_id.replace('-', '')}"
