"""The delivery queue and its dead-letter queue. A message body is {"deliveryId": ...}: the delivery
item holds the request and its history, so any copy of the id is enough to (re)drive it."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from trackhub.config import webhook_settings
from trackhub.errors import DependencyUnavailable
from trackhub.storage.errors import unavailable_on_outage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)
MAX_DELAY_SECONDS = 900  # SQS DelaySeconds ceiling


@cache
def sqs_client() -> SQSClient:
    return boto3.client("sqs", config=_CONFIG)


def _url(dead_letter: bool = False) -> str:
    settings = webhook_settings()
    url = settings.WEBHOOK_DLQ_URL if dead_letter else settings.WEBHOOK_QUEUE_URL
    if not url:
        raise DependencyUnavailable("the webhook queue is not configured for this function")
    return url


def body(delivery_id: str) -> str:
    return json.dumps({"deliveryId": delivery_id}, separators=(",", ":"))


def delivery_id_of(message_body: str) -> str | None:
    try:
        value = json.loads(message_body)
    except ValueError:
        return None
    found = value.get("deliveryId") if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None


def enqueue(delivery_id: str, delay_seconds: int = 0, *, dead_letter: bool = False) -> None:
    with unavailable_on_outage("the webhook queue"):
        sqs_client().send_message(
            QueueUrl=_url(dead_letter),
            MessageBody=body(delivery_id),
            DelaySeconds=max(0, min(delay_seconds, MAX_DELAY_SECONDS)),
        )


def change_visibility(receipt_handle: str, seconds: int) -> None:
    sqs_client().change_message_visibility(
        QueueUrl=_url(), ReceiptHandle=receipt_handle, VisibilityTimeout=max(0, seconds)
    )


def receive_dead_letters(count: int) -> list[dict[str, Any]]:
    with unavailable_on_outage("the webhook dead-letter queue"):
        messages: list[dict[str, Any]] = (
            sqs_client()
            .receive_message(  # type: ignore[assignment]
                QueueUrl=_url(dead_letter=True),
                MaxNumberOfMessages=max(1, min(count, 10)),
                WaitTimeSeconds=0,
                VisibilityTimeout=60,
            )
            .get("Messages", [])
        )
    return messages


def delete_dead_letter(receipt_handle: str) -> None:
    with unavailable_on_outage("the webhook dead-letter queue"):
        sqs_client().delete_message(QueueUrl=_url(dead_letter=True), ReceiptHandle=receipt_handle)


def reset_client() -> None:
    sqs_client.cache_clear()
