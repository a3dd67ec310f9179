"""The outbox for deliveries the API creates: WebhooksTable's stream.

A render (and a test call) only writes its pending delivery - for a render in one transaction with
its lock. The INSERT of that item on the table's stream is what queues it: `webhook_outbox` sends one
message per such record, so a function dying after the write loses nothing (the stream keeps the
record and Lambda retries). A re-processed batch sends a second message for the same delivery id,
which the worker absorbs: attempts are claimed with a conditional write and a delivered delivery is
dropped, so a copy never calls or meters twice. Deliveries of event subscriptions are queued by the
fan-out itself (their outbox is the events table's stream) and are not forwarded here - except on a
redrive: its reset (a MODIFY with `outbox` = redrive and attempts 0) is forwarded whatever the source.
"""

from __future__ import annotations

from typing import Any

from trackhub.storage.items import from_attribute_values
from trackhub.webhooks import queue
from trackhub.webhooks.models import DeliveryStatus
from trackhub.webhooks.repository import REDRIVE_MARK

# Must match the FilterCriteria of WebhookOutboxFunction in template.yaml.
OUTBOX_SOURCES = frozenset({"render", "test"})


def outbox_delivery_id(record: dict[str, Any]) -> str | None:
    """The delivery id of a stream record that inserted a pending render/test delivery, or that
    reset a delivery for a redrive (any source); else None."""
    event_name = record.get("eventName")
    if event_name not in ("INSERT", "MODIFY"):
        return None
    image = (record.get("dynamodb") or {}).get("NewImage")
    if not image:
        return None
    item = from_attribute_values(image)
    if not str(item.get("PK", "")).startswith("DELIVERY#") or item.get("SK") != "DELIVERY":
        return None
    if item.get("status") != DeliveryStatus.PENDING.value:
        return None
    if event_name == "MODIFY":
        if item.get("outbox") != REDRIVE_MARK or item.get("attempts") != 0:
            return None
    elif item.get("source") not in OUTBOX_SOURCES:
        return None
    delivery_id = item.get("deliveryId")
    return delivery_id if isinstance(delivery_id, str) and delivery_id else None


def forward(record: dict[str, Any]) -> str | None:
    """Queue the delivery a record inserted; returns its id (None: not an outbox record, skipped)."""
    delivery_id = outbox_delivery_id(record)
    if delivery_id is not None:
        queue.enqueue(delivery_id)
    return delivery_id
