"""Bodies of the /webhooks routes that create and list webhooks."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from trackhub.base_model import HubModel
from trackhub.webhooks.api_models.common import EventType, ProgramId, Request
from trackhub.webhooks.models import Webhook


class CreateWebhookRequest(Request):
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
