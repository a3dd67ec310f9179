"""Fan-out: the events table's stream is the outbox. Each new feed item (an event committed to a
program's feed) becomes one delivery per matching subscription, with a deterministic id
(uuid5(webhook, event)) written conditionally - a re-processed stream batch creates no second
delivery, and a delivery written but not yet queued (the function died in between) is queued then.
"""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal
from typing import Any

from trackhub.observability import logger
from trackhub.storage.items import from_attribute_values
from trackhub.webhooks import payload, queue, repository
from trackhub.webhooks.models import Method, Webhook
from trackhub.webhooks.service import new_delivery

_NAMESPACE = uuid.UUID("6f1d2c0e-58a4-4d8e-9a57-3f4b7f0c9e21")
_PUBLIC_FIELDS = (
    "EventId",
    "EventType",
    "PublisherProgramId",
    "PublisherSystemId",
    "PublisherEventId",
    "PublisherParticipantId",
    "PublisherEventCategory",
    "PublisherEventData",
    "EventStartUtc",
    "EventEndUtc",
    "ReferenceEventId",
    "CreatedUtc",
)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def published_event(record: dict[str, Any]) -> dict[str, Any] | None:
    """The event of a stream record that inserted a feed item, as the feed shows it; else None."""
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage")
    if not image:
        return None
    item = from_attribute_values(image)
    if not str(item.get("PK", "")).startswith("FEED#") or not str(item.get("SK", "")).startswith("SEQ#"):
        return None
    event = {name: _plain(item[name]) for name in _PUBLIC_FIELDS if item.get(name) is not None}
    if isinstance(event.get("PublisherEventData"), str):
        event["PublisherEventData"] = json.loads(event["PublisherEventData"])
    return event


def delivery_id(webhook_id: str, event_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{webhook_id}\n{event_id}"))


def _request(webhook: Webhook, event: dict[str, Any], timestamp: int) -> tuple[str, str | None]:
    body = payload.event_body(event, timestamp, webhook.secret)
    if webhook.method is Method.POST:
        return payload.request_for(Method.POST, webhook.url, body)
    params = {"time": str(body["time"]), "key": body["key"], **payload.event_params(event)}
    return payload.with_params(webhook.url, params), None


def fan_out(event: dict[str, Any]) -> int:
    """Queue the event for every subscription of its program (and type); returns how many were queued."""
    queued = 0
    for webhook in repository.subscriptions_of(str(event["PublisherProgramId"])):
        if webhook.types and event.get("EventType") not in webhook.types:
            continue
        identifier = delivery_id(webhook.webhook_id, str(event["EventId"]))
        url, body = _request(webhook, event, int(time.time()))
        delivery = new_delivery(
            webhook, "event", url, body, delivery_id=identifier, event_id=str(event["EventId"])
        )
        if not repository.put_new_delivery(delivery):
            existing = repository.get_delivery(identifier)
            if existing is None or existing.enqueued:
                continue  # this batch was processed before: the delivery is on its way already
        queue.enqueue(identifier)
        repository.mark_enqueued(identifier)
        queued += 1
    if queued:
        logger.info("event fanned out", extra={"event_id": event.get("EventId"), "deliveries": queued})
    return queued
