"""Webhook wire shapes (camelCase), mapped from the domain explicitly."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from trackhub.auth.scopes import PROGRAM_ID_PATTERN
from trackhub.base_model import HubModel
from trackhub.webhooks.codes import CodeError
from trackhub.webhooks.models import Attempt, Delivery, ViewContext, Webhook
from trackhub.webhooks.service import Rendered

MAX_CONTENT_CHARS = 512 * 1024

ProgramId = Annotated[str, StringConstraints(pattern=rf"^{PROGRAM_ID_PATTERN}$")]
EventType = Annotated[str, StringConstraints(min_length=1, max_length=50)]


class _Request(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RenderRequest(_Request):
    content: str = Field(max_length=MAX_CONTENT_CHARS, description="HTML or text holding {WEBHOOK} codes.")
    context: ViewContext = ViewContext()


class CodeErrorOut(HubModel):
    code: str
    position: int = Field(description="0-based character offset of the code's '{' in `content`.")
    line: int
    column: int
    reason: str

    @classmethod
    def of(cls, error: CodeError) -> CodeErrorOut:
        return cls(
            code=error.code,
            position=error.position,
            line=error.line,
            column=error.column,
            reason=error.reason,
        )


class RenderOut(HubModel):
    content: str
    queued: int
    suppressed: int
    errors: list[CodeErrorOut]
    deliveries: list[str] = Field(description="Ids of the queued deliveries.")

    @classmethod
    def of(cls, rendered: Rendered) -> RenderOut:
        return cls(
            content=rendered.content,
            queued=rendered.queued,
            suppressed=rendered.suppressed,
            errors=[CodeErrorOut.of(e) for e in rendered.errors],
            deliveries=list(rendered.delivery_ids),
        )


class CreateWebhookRequest(_Request):
    code: str = Field(min_length=1, max_length=2500, description="{WEBHOOK:https://...[:secret[:method]]}")
    programs: list[ProgramId] = Field(min_length=1, max_length=20)
    types: list[EventType] = Field(
        default_factory=list, max_length=50, description="EventType filter; empty: all."
    )


class WebhookOut(HubModel):
    webhookId: str
    kind: str
    url: str
    method: str
    hasSecret: bool
    lockMinutes: int
    programs: list[str]
    types: list[str]
    createdAt: datetime

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookOut:
        return cls(
            webhookId=webhook.webhook_id,
            kind=webhook.kind.value,
            url=webhook.url,
            method=webhook.method.value,
            hasSecret=webhook.secret is not None,
            lockMinutes=webhook.lock_minutes,
            programs=list(webhook.programs),
            types=list(webhook.types),
            createdAt=webhook.created_at,
        )


class WebhookListOut(HubModel):
    webhooks: list[WebhookOut]


class AttemptOut(HubModel):
    attempt: int
    time: datetime
    statusCode: int | None
    error: str | None
    durationMs: int

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptOut:
        return cls(
            attempt=attempt.number,
            time=attempt.at,
            statusCode=attempt.status_code,
            error=attempt.error,
            durationMs=attempt.duration_ms,
        )


class DeliveryOut(HubModel):
    deliveryId: str
    webhookId: str
    source: str
    method: str
    status: str
    attempts: int
    createdAt: datetime
    eventId: str | None
    history: list[AttemptOut]

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            deliveryId=delivery.delivery_id,
            webhookId=delivery.webhook_id,
            source=delivery.source,
            method=delivery.method.value,
            status=delivery.status.value,
            attempts=delivery.attempts,
            createdAt=delivery.created_at,
            eventId=delivery.event_id,
            history=[AttemptOut.of(a) for a in delivery.history],
        )


class DeliveryListOut(HubModel):
    deliveries: list[DeliveryOut]


class TestQueuedOut(HubModel):
    deliveryId: str


class RedriveOut(HubModel):
    redriven: list[str]


class DeadLetterRedriveOut(HubModel):
    redriven: int
    dropped: int


class UsageDayOut(HubModel):
    day: str
    delivered: int


class UsageOut(HubModel):
    accountId: str
    fromDay: str
    toDay: str
    delivered: int
    days: list[UsageDayOut]
