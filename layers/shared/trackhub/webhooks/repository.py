"""DynamoDB access for webhooks: one table (WebhooksTable).

    item           PK                   SK                 GSI1PK               GSI1SK
    webhook        ACCOUNT#<account>    WEBHOOK#<id>       -                    -
    program link   PROGRAM#<program>    WEBHOOK#<id>       -                    -   (a copy, for fan-out)
    delivery       DELIVERY#<id>        DELIVERY           WEBHOOK#<webhookId>  <createdAt>#<id>
    lock           LOCK#<sha256>        LOCK               -                    -   (expiresAt: TTL)
    usage          USAGE#<account>      DAY#<yyyy-mm-dd>   -                    -   (delivered: counter)

A delivery holds its request (method, URL, body), its attempt counter and history; every change to
it is conditional on the counter the writer saw, so two copies of one SQS message cannot both attempt.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from trackhub.config import webhook_settings
from trackhub.errors import Conflict, DependencyUnavailable, NotFound
from trackhub.storage.clients import dynamodb_client, table
from trackhub.storage.errors import (
    cancellation_codes,
    error_code,
    is_conditional_failure,
    is_transient_cancellation,
    unavailable_on_outage,
)
from trackhub.storage.items import iso, query_all, to_attribute_values
from trackhub.webhooks.models import Attempt, Delivery, DeliveryStatus, Method, Webhook, WebhookKind

_WHAT = "the webhooks table"
DELIVERY_RETENTION_SECONDS = 30 * 86_400  # the delivery log outlives the DLQ's 14-day retention
_RENDER_TRIES = 3


def table_name() -> str:
    return webhook_settings().WEBHOOKS_TABLE_NAME


def _table() -> Any:
    return table(table_name())


# ------------------------------------------------------------------ webhooks
def _webhook_attributes(webhook: Webhook) -> dict[str, Any]:
    item: dict[str, Any] = {
        "webhookId": webhook.webhook_id,
        "accountId": webhook.account_id,
        "kind": webhook.kind.value,
        "url": webhook.url,
        "method": webhook.method.value,
        "lockMinutes": webhook.lock_minutes,
        "programs": list(webhook.programs),
        "types": list(webhook.types),
        "createdAt": iso(webhook.created_at),
    }
    if webhook.secret:
        item["secret"] = webhook.secret
    return item


def _webhook(item: dict[str, Any]) -> Webhook:
    return Webhook(
        webhook_id=item["webhookId"],
        account_id=item["accountId"],
        kind=WebhookKind(item["kind"]),
        url=item["url"],
        method=Method(item["method"]),
        secret=item.get("secret"),
        lock_minutes=int(item.get("lockMinutes", 0)),
        programs=tuple(item.get("programs") or ()),
        types=tuple(item.get("types") or ()),
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def _webhook_key(account_id: str, webhook_id: str) -> dict[str, str]:
    return {"PK": f"ACCOUNT#{account_id}", "SK": f"WEBHOOK#{webhook_id}"}


def _program_key(program_id: str, webhook_id: str) -> dict[str, str]:
    return {"PK": f"PROGRAM#{program_id}", "SK": f"WEBHOOK#{webhook_id}"}


def create_subscription(webhook: Webhook) -> None:
    """The webhook and its per-program links appear together or not at all."""
    attributes = _webhook_attributes(webhook)
    items = [_webhook_key(webhook.account_id, webhook.webhook_id)] + [
        _program_key(p, webhook.webhook_id) for p in webhook.programs
    ]
    puts = [
        {
            "Put": {
                "TableName": table_name(),
                "Item": to_attribute_values({**key, **attributes}),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        for key in items
    ]
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(TransactItems=puts)  # type: ignore[arg-type]
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise Conflict(f"webhook {webhook.webhook_id!r} exists already") from exc
            raise


def get_webhook(account_id: str, webhook_id: str) -> Webhook | None:
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=_webhook_key(account_id, webhook_id), ConsistentRead=True).get("Item")
    return _webhook(item) if item else None


def list_webhooks(account_id: str) -> list[Webhook]:
    with unavailable_on_outage(_WHAT):
        items = query_all(
            _table().query,
            KeyConditionExpression=Key("PK").eq(f"ACCOUNT#{account_id}") & Key("SK").begins_with("WEBHOOK#"),
        )
        return [_webhook(item) for item in items]


def delete_webhook(webhook: Webhook) -> None:
    keys = [_webhook_key(webhook.account_id, webhook.webhook_id)] + [
        _program_key(p, webhook.webhook_id) for p in webhook.programs
    ]
    deletes = [{"Delete": {"TableName": table_name(), "Key": to_attribute_values(k)}} for k in keys]
    with unavailable_on_outage(_WHAT):
        dynamodb_client().transact_write_items(TransactItems=deletes)  # type: ignore[arg-type]


def subscriptions_of(program_id: str) -> list[Webhook]:
    with unavailable_on_outage(_WHAT):
        items = query_all(
            _table().query,
            KeyConditionExpression=Key("PK").eq(f"PROGRAM#{program_id}") & Key("SK").begins_with("WEBHOOK#"),
            ConsistentRead=True,
        )
        return [_webhook(item) for item in items]


# ------------------------------------------------------------------ deliveries
def _delivery_key(delivery_id: str) -> dict[str, str]:
    return {"PK": f"DELIVERY#{delivery_id}", "SK": "DELIVERY"}


def _attempt_item(attempt: Attempt) -> dict[str, Any]:
    item: dict[str, Any] = {"n": attempt.number, "at": iso(attempt.at), "durationMs": attempt.duration_ms}
    if attempt.status_code is not None:
        item["status"] = attempt.status_code
    if attempt.error is not None:
        item["error"] = attempt.error
    return item


def _attempt(item: dict[str, Any]) -> Attempt:
    status = item.get("status")
    return Attempt(
        number=int(item["n"]),
        at=datetime.fromisoformat(item["at"]),
        status_code=int(status) if status is not None else None,
        error=item.get("error"),
        duration_ms=int(item.get("durationMs", 0)),
    )


def delivery_item(delivery: Delivery) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_delivery_key(delivery.delivery_id),
        "GSI1PK": f"WEBHOOK#{delivery.webhook_id}",
        "GSI1SK": f"{iso(delivery.created_at)}#{delivery.delivery_id}",
        "deliveryId": delivery.delivery_id,
        "accountId": delivery.account_id,
        "webhookId": delivery.webhook_id,
        "source": delivery.source,
        "method": delivery.method.value,
        "url": delivery.url,
        "createdAt": iso(delivery.created_at),
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "enqueued": delivery.enqueued,
        "nextAttemptAt": int(delivery.next_attempt_at),
        "history": [_attempt_item(a) for a in delivery.history],
        "expiresAt": int(delivery.created_at.timestamp()) + DELIVERY_RETENTION_SECONDS,
    }
    optional = {"body": delivery.body, "signingKey": delivery.signing_key, "eventId": delivery.event_id}
    item.update({k: v for k, v in optional.items() if v is not None})
    return item


def _delivery(item: dict[str, Any]) -> Delivery:
    return Delivery(
        delivery_id=item["deliveryId"],
        account_id=item["accountId"],
        webhook_id=item["webhookId"],
        source=item["source"],
        method=Method(item["method"]),
        url=item["url"],
        body=item.get("body"),
        signing_key=item.get("signingKey"),
        created_at=datetime.fromisoformat(item["createdAt"]),
        status=DeliveryStatus(item["status"]),
        attempts=int(item["attempts"]),
        enqueued=bool(item.get("enqueued", False)),
        next_attempt_at=float(item.get("nextAttemptAt", 0)),
        event_id=item.get("eventId"),
        history=tuple(_attempt(a) for a in item.get("history") or ()),
    )


def put_new_delivery(delivery: Delivery) -> bool:
    """False when a delivery with this id exists (a re-processed stream batch): nothing written."""
    with unavailable_on_outage(_WHAT):
        try:
            _table().put_item(Item=delivery_item(delivery), ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
    return True


class RenderCall(NamedTuple):
    """One rendered {WEBHOOK} call: its code webhook, its lock (a TransactWriteItems entry from
    lock.take, None without a lock) and its pending delivery."""

    webhook: Webhook
    delivery: Delivery
    lock: dict[str, Any] | None


MAX_TRANSACT_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
ITEMS_PER_RENDER_CALL = 3  # at most: the lock, the code webhook, the delivery


def commit_render_calls(calls: Sequence[RenderCall]) -> list[bool]:
    """Every call of one render in ONE transaction: all of them, or none. The table's stream is the
    outbox: the INSERT of a delivery is what queues it (webhook_outbox), so a call is never lost
    between this write and SendMessage. Returns, per call, whether it was committed: a call whose
    lock is held (an identical call within its window) is dropped, as are later calls of the same
    render under a lock an earlier one takes, and the rest are committed without it."""
    committed = [True] * len(calls)
    taken: set[str] = set()
    for index, call in enumerate(calls):
        if call.lock is not None:
            key = call.lock["Put"]["Item"]["PK"]["S"]
            if key in taken:
                committed[index] = False  # the earlier call's lock suppresses it (and one item per key)
            taken.add(key)
    conflicts = 0
    while any(committed):
        pending = [index for index, ok in enumerate(committed) if ok]
        items, lock_of = _render_items([calls[index] for index in pending])
        try:
            with unavailable_on_outage(_WHAT):  # throttling-only cancellations: 503
                dynamodb_client().transact_write_items(
                    TransactItems=items,  # type: ignore[arg-type]
                    ClientRequestToken=str(uuid.uuid4()),  # botocore's own retries stay idempotent
                )
            return committed
        except ClientError as exc:
            codes = cancellation_codes(exc)
            held = [
                pending[lock_of[position]]
                for position, code in enumerate(codes)
                if code == "ConditionalCheckFailed" and position in lock_of
            ]
            if held:
                # Those calls are suppressed; the others try again without them. Each round drops at
                # least one call, so this ends.
                for index in held:
                    committed[index] = False
                continue
            if "TransactionConflict" not in codes:
                raise
        # Another render's transaction on one of the locks was in flight: try again, the lock decides.
        conflicts += 1
        if conflicts >= _RENDER_TRIES:
            raise DependencyUnavailable(f"{_WHAT} is busy with concurrent renders; retry")
        time.sleep(0.05 * conflicts)
    return committed


def _render_items(calls: Sequence[RenderCall]) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The transaction's items, and which call each lock item belongs to (position -> call index).
    A code webhook several calls share is written once (one operation per item in a transaction)."""
    items: list[dict[str, Any]] = []
    lock_of: dict[int, int] = {}
    webhooks: set[str] = set()
    for index, call in enumerate(calls):
        if call.lock is not None:
            lock_of[len(items)] = index
            items.append(call.lock)
        if call.webhook.webhook_id not in webhooks:
            webhooks.add(call.webhook.webhook_id)
            key = _webhook_key(call.webhook.account_id, call.webhook.webhook_id)
            item = to_attribute_values({**key, **_webhook_attributes(call.webhook)})
            items.append({"Put": {"TableName": table_name(), "Item": item}})
        items.append(
            {
                "Put": {
                    "TableName": table_name(),
                    "Item": to_attribute_values(delivery_item(call.delivery)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        )
    return items, lock_of


def get_delivery(delivery_id: str) -> Delivery | None:
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=_delivery_key(delivery_id), ConsistentRead=True).get("Item")
    return _delivery(item) if item else None


def mark_enqueued(delivery_id: str) -> None:
    with unavailable_on_outage(_WHAT):
        _table().update_item(
            Key=_delivery_key(delivery_id),
            UpdateExpression="SET enqueued = :t",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":t": True},
        )


def _conditional_update(delivery_id: str, **kwargs: Any) -> bool:
    with unavailable_on_outage(_WHAT):
        try:
            _table().update_item(Key=_delivery_key(delivery_id), **kwargs)
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
    return True


def claim_attempt(delivery: Delivery, now: float) -> bool:
    """Take attempt number attempts+1; False when another copy of the message took it (or it is done)."""
    return _conditional_update(
        delivery.delivery_id,
        UpdateExpression="SET attempts = :next",
        ConditionExpression="#s = :pending AND attempts = :seen AND nextAttemptAt <= :now",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":next": delivery.attempts + 1,
            ":seen": delivery.attempts,
            ":pending": DeliveryStatus.PENDING.value,
            ":now": int(now) + 1,
        },
    )


def record_failure(delivery_id: str, attempt: Attempt, next_attempt_at: float, parked: bool) -> None:
    _conditional_update(
        delivery_id,
        UpdateExpression="SET history = list_append(if_not_exists(history, :empty), :a), "
        "nextAttemptAt = :next, #s = :status",
        ConditionExpression="attempts = :n AND #s = :pending",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":a": [_attempt_item(attempt)],
            ":empty": [],
            ":next": int(next_attempt_at),
            ":n": attempt.number,
            ":pending": DeliveryStatus.PENDING.value,
            ":status": (DeliveryStatus.PARKED if parked else DeliveryStatus.PENDING).value,
        },
    )


def record_success(delivery: Delivery, attempt: Attempt) -> bool:
    """Mark delivered and meter it, in one transaction (a success is billed exactly once)."""
    day = attempt.at.date().isoformat()
    items = [
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_attribute_values(_delivery_key(delivery.delivery_id)),
                "UpdateExpression": "SET history = list_append(if_not_exists(history, :empty), :a), "
                "#s = :done",
                "ConditionExpression": "attempts = :n AND #s = :pending",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_attribute_values(
                    {
                        ":a": [_attempt_item(attempt)],
                        ":empty": [],
                        ":n": attempt.number,
                        ":pending": DeliveryStatus.PENDING.value,
                        ":done": DeliveryStatus.DELIVERED.value,
                    }
                ),
            }
        },
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_attribute_values({"PK": f"USAGE#{delivery.account_id}", "SK": f"DAY#{day}"}),
                "UpdateExpression": "ADD delivered :one SET accountId = :acct, #d = :day",
                "ExpressionAttributeNames": {"#d": "day"},
                "ExpressionAttributeValues": to_attribute_values(
                    {":one": 1, ":acct": delivery.account_id, ":day": day}
                ),
            }
        },
    ]
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as exc:
            # Lost to another copy: False. Throttled: raise (503), so the message is retried and the
            # delivery is not left pending with its attempt spent and nothing to send it again.
            if error_code(exc) == "TransactionCanceledException" and not is_transient_cancellation(exc):
                return False
            raise
    return True


REDRIVE_MARK = "redrive"  # `outbox` value the outbox's MODIFY filter matches (with attempts 0)


def reset_for_redrive(delivery_id: str, now: float) -> bool:
    """A parked delivery (or one SQS dead-lettered before its tenth attempt) starts over. This write
    is its outbox entry: the stream's MODIFY record (pending, attempts 0, `outbox` = redrive) is what
    queues it (webhook_outbox), so a redrive that dies after it still gets its message. The worker's
    claim sets attempts to 1, so no later change of the item matches again."""
    return _conditional_update(
        delivery_id,
        UpdateExpression="SET #s = :pending, attempts = :zero, nextAttemptAt = :now, enqueued = :f, "
        "outbox = :mark ADD redrives :one",
        ConditionExpression="#s = :parked OR #s = :pending",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":pending": DeliveryStatus.PENDING.value,
            ":parked": DeliveryStatus.PARKED.value,
            ":zero": 0,
            ":now": int(now),
            ":f": False,
            ":one": 1,
            ":mark": REDRIVE_MARK,
        },
    )


def deliveries_of(webhook_id: str, limit: int, status: DeliveryStatus | None = None) -> list[Delivery]:
    """Newest first."""
    kwargs: dict[str, Any] = {
        "IndexName": "GSI1",
        "KeyConditionExpression": Key("GSI1PK").eq(f"WEBHOOK#{webhook_id}"),
        "ScanIndexForward": False,
    }
    with unavailable_on_outage(_WHAT):
        found: list[Delivery] = []
        for item in query_all(_table().query, **kwargs):
            delivery = _delivery(item)
            if status is None or delivery.status is status:
                found.append(delivery)
            if len(found) >= limit:
                break
        return found


def not_found(webhook_id: str) -> NotFound:
    return NotFound(f"webhook {webhook_id!r} not found")


# ------------------------------------------------------------------ usage
def usage(account_id: str, first_day: str, last_day: str) -> list[tuple[str, int]]:
    with unavailable_on_outage(_WHAT):
        items = query_all(
            _table().query,
            KeyConditionExpression=Key("PK").eq(f"USAGE#{account_id}")
            & Key("SK").between(f"DAY#{first_day}", f"DAY#{last_day}"),
        )
        return [(str(item["day"]), int(item.get("delivered", 0))) for item in items]
