"""Webhooks' table, queues, retry schedule and sender limits."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class WebhookSettings(EnvModel):
    """Webhooks: their table and queues, the retry schedule and the sender's limits (docs/webhooks.md)."""

    WEBHOOKS_TABLE_NAME: str = Field(min_length=1)
    WEBHOOK_QUEUE_URL: str = ""
    WEBHOOK_DLQ_URL: str = ""
    # Seconds after each failed attempt, the last repeating (each 0..43200: SQS's visibility ceiling).
    WEBHOOK_RETRY_SCHEDULE: str = Field(
        default="60,120,300,600,900,1200,1200,1200,1200", pattern=r"^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$"
    )
    WEBHOOK_ALLOW_NETWORKS: str = ""
    WEBHOOK_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=60)
    WEBHOOK_MAX_RESPONSE_BYTES: int = Field(default=65_536, ge=0, le=1_048_576)
