"""What the routes that queue deliveries answer: a test, a redrive, the admin dead-letter redrive."""

from __future__ import annotations

from trackhub.base_model import HubModel


class TestQueuedOut(HubModel):
    deliveryId: str


class RedriveOut(HubModel):
    redriven: list[str]


class DeadLetterRedriveOut(HubModel):
    redriven: int
    dropped: int
