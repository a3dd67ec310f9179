"""The delivery worker's rules, one SQS message at a time.

Attempts are counted in the delivery item, not by SQS receives (a throttled or timed-out invocation
consumes receives without calling anyone). Per message: load the delivery; a finished one is dropped;
one whose next attempt is not due yet goes back to sleep; claim the next attempt with a conditional
write (a second copy of the message loses and is dropped); send; record the attempt. On failure the
message's visibility becomes the next step of the retry schedule and the item is reported failed;
after the tenth failure the delivery is parked and its message moved to the dead-letter queue.
"""

from __future__ import annotations

import json
import math
import time
from enum import StrEnum
from functools import cache
from typing import NamedTuple
from urllib.parse import urlsplit

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.config import webhook_settings
from trackhub.observability import logger, metrics
from trackhub.storage.items import utc_now
from trackhub.webhooks import queue, repository, safe_http
from trackhub.webhooks.models import Attempt, Delivery, DeliveryStatus, Method
from trackhub.webhooks.schedule import MAX_ATTEMPTS, delay_after, parse_schedule
from trackhub.webhooks.signing import standard_headers

MAX_RECEIVES = 10  # the queue's maxReceiveCount: the last receive must not end in SQS's own DLQ move
USER_AGENT = "trackhub-webhooks/1.0"
_SAFETY_MS = 2_000


class RetryLater(Exception):
    """Report this message as a batch item failure; its visibility is already set."""


class Outcome(StrEnum):
    DELIVERED = "delivered"
    PARKED = "parked"
    REQUEUED = "requeued"
    DROPPED = "dropped"


class Message(NamedTuple):
    body: str
    receipt_handle: str
    receive_count: int


@cache
def _schedule(text: str) -> tuple[int, ...]:
    return parse_schedule(text)


@cache
def _allowed(text: str) -> tuple[safe_http.Network, ...]:
    return safe_http.parse_networks(text)


def request_headers(delivery: Delivery, timestamp: int) -> dict[str, str]:
    signed = delivery.body if delivery.method is Method.POST else urlsplit(delivery.url).query
    headers = {
        "User-Agent": USER_AGENT,
        **standard_headers(delivery.message_id, timestamp, signed or "", delivery.signing_key),
    }
    if delivery.method is Method.POST:
        headers["Content-Type"] = "application/json"
    return headers


def attempt_once(delivery: Delivery) -> safe_http.SendResult:
    settings = webhook_settings()
    return safe_http.send(
        delivery.method.value,
        delivery.url,
        body=delivery.body.encode() if delivery.body is not None else None,
        headers=request_headers(delivery, int(time.time())),
        deadline_seconds=settings.WEBHOOK_TIMEOUT_SECONDS,
        max_response_bytes=settings.WEBHOOK_MAX_RESPONSE_BYTES,
        allowed=_allowed(settings.WEBHOOK_ALLOW_NETWORKS),
    )


def process(message: Message, remaining_ms: int) -> Outcome:
    settings = webhook_settings()
    delivery_id = queue.delivery_id_of(message.body)
    delivery = repository.get_delivery(delivery_id) if delivery_id else None
    if delivery is None or delivery.status is not DeliveryStatus.PENDING:
        logger.info("message dropped: no pending delivery", extra={"delivery_id": delivery_id})
        return Outcome.DROPPED
    now = time.time()
    if delivery.next_attempt_at > now + 1:  # an early copy (a re-sent message, a redelivery)
        queue.change_visibility(message.receipt_handle, math.ceil(delivery.next_attempt_at - now))
        raise RetryLater("not due yet")
    if remaining_ms < settings.WEBHOOK_TIMEOUT_SECONDS * 1000 + _SAFETY_MS:
        queue.change_visibility(message.receipt_handle, 1)  # no time left in this invocation
        raise RetryLater("no time left for an attempt")
    if not repository.claim_attempt(delivery, now):
        logger.info("message dropped: another copy holds this attempt", extra={"delivery_id": delivery_id})
        return Outcome.DROPPED
    number = delivery.attempts + 1
    result = attempt_once(delivery)
    attempt = Attempt(number, utc_now(), result.status, result.error, result.duration_ms)
    log = {
        "delivery_id": delivery.delivery_id,
        "attempt": number,
        "status": result.status,
        "error": result.error,
    }
    if result.ok:
        repository.record_success(delivery, attempt)
        metrics.add_metric(name="WebhooksDelivered", unit=MetricUnit.Count, value=1)
        logger.info("webhook delivered", extra=log)
        return Outcome.DELIVERED
    metrics.add_metric(name="WebhookAttemptsFailed", unit=MetricUnit.Count, value=1)
    if number >= MAX_ATTEMPTS:
        repository.record_failure(delivery.delivery_id, attempt, now, parked=True)
        queue.enqueue(delivery.delivery_id, dead_letter=True)
        metrics.add_metric(name="WebhooksParked", unit=MetricUnit.Count, value=1)
        logger.warning("webhook parked after its last attempt", extra=log)
        return Outcome.PARKED
    delay = delay_after(number, _schedule(settings.WEBHOOK_RETRY_SCHEDULE))
    repository.record_failure(delivery.delivery_id, attempt, now + delay, parked=False)
    logger.info("webhook attempt failed; retrying", extra={**log, "retry_in_s": delay})
    if message.receive_count >= MAX_RECEIVES:
        # SQS would dead-letter this message on its next receive: continue with a fresh one.
        queue.enqueue(delivery.delivery_id, delay)
        return Outcome.REQUEUED
    queue.change_visibility(message.receipt_handle, delay)
    raise RetryLater(f"attempt {number} failed")


def describe(outcome: Outcome) -> str:
    return json.dumps({"outcome": outcome.value})
