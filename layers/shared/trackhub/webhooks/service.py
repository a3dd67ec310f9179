"""Webhook rules for callers identified by a Principal: manage subscriptions, read the delivery log,
test, redrive, usage. Rendering content is in render.py, the worker side in dispatch.py, fan-out in
fanout.py."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from trackhub.auth.authorize import require_part, require_read
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import InvalidInput
from trackhub.observability import logger
from trackhub.storage.items import utc_now
from trackhub.webhooks import payload, queue, repository
from trackhub.webhooks.models import Delivery, DeliveryStatus, Webhook, WebhookKind
from trackhub.webhooks.signing import ekademia_key, standard_secret

MAX_USAGE_DAYS = 366


def new_delivery(
    webhook: Webhook,
    source: str,
    url: str,
    body: str | None,
    *,
    delivery_id: str | None = None,
    event_id: str | None = None,
) -> Delivery:
    return Delivery(
        delivery_id=delivery_id or str(uuid.uuid4()),
        account_id=webhook.account_id,
        webhook_id=webhook.webhook_id,
        source=source,
        method=webhook.method,
        url=url,
        body=body,
        signing_key=standard_secret(webhook.secret) if webhook.secret else None,
        created_at=utc_now(),
        status=DeliveryStatus.PENDING,
        attempts=0,
        enqueued=False,
        next_attempt_at=0,
        event_id=event_id,
    )


# ------------------------------------------------------------------ subscriptions
def create_subscription_as(
    principal: Principal, code_text: str, programs: list[str], types: list[str]
) -> Webhook:
    # the code parser (its patterns compiled at import) is loaded by the routes that parse codes only
    from trackhub.webhooks.codes import CodeKind, InvalidCode, parse_code

    require_part(principal, Part.WEBHOOKS)
    try:
        code = parse_code(code_text, kind=CodeKind.WEBHOOK)
    except InvalidCode as exc:
        error = exc.error
        raise InvalidInput(
            f"code: {error.reason} (at character {error.position})",
            details=[{"field": "code", "problem": error.reason, "position": error.position}],
        ) from None
    for program_id in programs:
        require_read(principal, program_id)
    webhook = Webhook(
        webhook_id="wh_" + uuid.uuid4().hex[:24],
        account_id=principal.account_id,
        kind=WebhookKind.SUBSCRIPTION,
        url=code.url,
        method=code.method,
        secret=code.secret,
        lock_minutes=0,
        programs=tuple(dict.fromkeys(programs)),
        types=tuple(dict.fromkeys(types)),
        created_at=utc_now(),
    )
    repository.create_subscription(webhook)
    logger.info("webhook subscription created", extra={"webhook_id": webhook.webhook_id})
    return webhook


def _own(principal: Principal, webhook_id: str) -> Webhook:
    require_part(principal, Part.WEBHOOKS)
    webhook = repository.get_webhook(principal.account_id, webhook_id)
    if webhook is None:
        raise repository.not_found(webhook_id)
    return webhook


def list_as(principal: Principal) -> list[Webhook]:
    require_part(principal, Part.WEBHOOKS)
    return repository.list_webhooks(principal.account_id)


def delete_as(principal: Principal, webhook_id: str) -> None:
    repository.delete_webhook(_own(principal, webhook_id))


def deliveries_as(
    principal: Principal, webhook_id: str, limit: int, status: DeliveryStatus | None
) -> list[Delivery]:
    webhook = _own(principal, webhook_id)
    return repository.deliveries_of(webhook.webhook_id, limit, status)


def test_body(webhook: Webhook, timestamp: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "time": timestamp,
        "key": ekademia_key("", timestamp, webhook.secret),
        "test": True,
    }
    body["webhookId"] = webhook.webhook_id
    return body


def test_as(principal: Principal, webhook_id: str) -> Delivery:
    """Queue a test call: it goes through the outbox, the queue, the sender and the log like any other."""
    webhook = _own(principal, webhook_id)
    body = test_body(webhook, int(time.time()))
    url, json_body = payload.request_for(webhook.method, webhook.url, body)
    delivery = new_delivery(webhook, "test", url, json_body)
    repository.put_new_delivery(delivery)  # the table's stream queues it (webhook_outbox)
    return delivery


def redrive(delivery_ids: list[str]) -> list[str]:
    """Start each (parked) delivery over with a fresh attempt counter. The reset is the only write:
    the table's stream queues it (webhook_outbox), so no crash can leave it pending without a message."""
    now = time.time()
    return [d for d in delivery_ids if repository.reset_for_redrive(d, now)]


def redrive_as(principal: Principal, webhook_id: str) -> list[str]:
    webhook = _own(principal, webhook_id)
    parked = repository.deliveries_of(webhook.webhook_id, 1000, DeliveryStatus.PARKED)
    done = redrive([d.delivery_id for d in parked])
    logger.info("parked deliveries redriven", extra={"webhook_id": webhook_id, "count": len(done)})
    return done


def drain_dead_letters(max_messages: int = 1000) -> dict[str, int]:
    """Admin: every message in the DLQ is redriven (when its delivery is parked or still pending)
    and then deleted; a message whose delivery was delivered or redriven already is just deleted."""
    redriven = dropped = 0
    while redriven + dropped < max_messages:
        messages = queue.receive_dead_letters(10)
        if not messages:
            break
        for message in messages:
            delivery_id = queue.delivery_id_of(message.get("Body", ""))
            delivery = repository.get_delivery(delivery_id) if delivery_id else None
            if (
                delivery is not None
                and delivery.status is not DeliveryStatus.DELIVERED
                and redrive([delivery.delivery_id])
            ):
                redriven += 1
            else:
                dropped += 1
            queue.delete_dead_letter(message["ReceiptHandle"])
    return {"redriven": redriven, "dropped": dropped}


# ------------------------------------------------------------------ usage
def usage_as(
    principal: Principal, first: str | None, last: str | None
) -> tuple[str, str, list[tuple[str, int]]]:
    require_part(principal, Part.WEBHOOKS)
    today = datetime.now(UTC).date()
    try:
        last_day = datetime.fromisoformat(last).date() if last else today
        first_day = datetime.fromisoformat(first).date() if first else last_day - timedelta(days=30)
    except ValueError:
        raise InvalidInput("from/to: expected dates such as 2026-01-31") from None
    if first_day > last_day or (last_day - first_day).days > MAX_USAGE_DAYS:
        raise InvalidInput(
            f"from/to: `from` must not be after `to`, and the range is at most {MAX_USAGE_DAYS} days"
        )
    return (
        first_day.isoformat(),
        last_day.isoformat(),
        repository.usage(principal.account_id, first_day.isoformat(), last_day.isoformat()),
    )
