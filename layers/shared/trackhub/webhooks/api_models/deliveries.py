"""Bodies of GET /webhooks/{webhookId}/deliveries."""

from __future__ import annotations

from datetime import datetime

from trackhub.base_model import HubModel
from trackhub.webhooks.models import Attempt, Delivery


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
