"""Webhooks' table, queues, retry schedule and sender limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import integer, number, required, text

DEFAULT_RETRY_SCHEDULE = "60,120,300,600,900,1200,1200,1200,1200"


class WebhookSettings(NamedTuple):
    """Webhooks: their table and queues, the retry schedule and the sender's limits (docs/webhooks.md)."""

    WEBHOOKS_TABLE_NAME: str
    WEBHOOK_QUEUE_URL: str
    WEBHOOK_DLQ_URL: str
    # Seconds after each failed attempt, the last repeating (each 0..43200: SQS's visibility ceiling).
    WEBHOOK_RETRY_SCHEDULE: str
    WEBHOOK_ALLOW_NETWORKS: str
    WEBHOOK_TIMEOUT_SECONDS: float
    WEBHOOK_MAX_RESPONSE_BYTES: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebhookSettings:
        return cls(
            WEBHOOKS_TABLE_NAME=required(env, "WEBHOOKS_TABLE_NAME"),
            WEBHOOK_QUEUE_URL=text(env, "WEBHOOK_QUEUE_URL", ""),
            WEBHOOK_DLQ_URL=text(env, "WEBHOOK_DLQ_URL", ""),
            WEBHOOK_RETRY_SCHEDULE=text(
                env,
                "WEBHOOK_RETRY_SCHEDULE",
                DEFAULT_RETRY_SCHEDULE,
                pattern=r"^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$",
            ),
            WEBHOOK_ALLOW_NETWORKS=text(env, "WEBHOOK_ALLOW_NETWORKS", ""),
            WEBHOOK_TIMEOUT_SECONDS=number(env, "WEBHOOK_TIMEOUT_SECONDS", 10.0, gt=0, le=60),
            WEBHOOK_MAX_RESPONSE_BYTES=integer(env, "WEBHOOK_MAX_RESPONSE_BYTES", 65_536, ge=0, le=1_048_576),
        )
