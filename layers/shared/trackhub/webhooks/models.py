"""Webhook domain models: the viewer's context, webhooks (subscriptions and code webhooks), deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, StringConstraints

from trackhub.base_model import HubModel
from trackhub.webhooks.codes import Method

Text = Annotated[str, StringConstraints(max_length=1000)]
Ident = Annotated[str, StringConstraints(max_length=200)] | int


class _Ctx(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Course(_Ctx):
    id: Ident | None = None
    shortname: Text | None = None
    fullname: Text | None = None
    category: Text | None = None
    url: Text | None = None


class Page(_Ctx):
    id: Ident | None = None
    name: Text | None = None
    url: Text | None = None


class Module(_Ctx):
    id: Ident | None = None
    name: Text | None = None
    number: Ident | None = None
    instance: Ident | None = None
    url: Text | None = None


class Post(_Ctx):
    id: Ident | None = None
    name: Text | None = None
    type: Text | None = None
    url: Text | None = None


class User(_Ctx):
    id: Ident | None = None
    email: Text | None = None
    username: Text | None = None


class Consents(_Ctx):
    processing: bool = False
    marketing: bool = False
    email: bool = False


class ViewContext(_Ctx):
    """Who views what: everything a {WEBHOOK} call may carry (user data only with consent)."""

    wwwroot: Text | None = None
    course: Course | None = None
    page: Page | None = None
    module: Module | None = None
    post: Post | None = None
    user: User | None = None
    session: Text | None = None
    ip: Annotated[str, StringConstraints(max_length=64)] | None = None
    consents: Consents = Consents()


class WebhookKind(StrEnum):
    SUBSCRIPTION = "subscription"  # POST /v1/webhooks: fires on hub events
    CODE = "code"  # created by rendering a {WEBHOOK} code


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued or between attempts
    DELIVERED = "delivered"
    PARKED = "parked"  # ten failures: in the dead-letter queue until redriven


@dataclass(frozen=True)
class Webhook:
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


@dataclass(frozen=True)
class Attempt:
    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
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
    history: tuple[Attempt, ...] = field(default=())
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def message_id(self) -> str:
        """Standard Webhooks `webhook-id`: stable across retries, no '.' in it."""
        return f"msg_{self.delivery_id.replace('-', '')}"
