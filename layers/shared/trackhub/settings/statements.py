"""The xAPI statement store's settings (shared by the collector and the LRS)."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class StatementSettings(EnvModel):
    """The xAPI statement store shared by the collector and the LRS."""

    STATEMENTS_TABLE_NAME: str = Field(min_length=1)
    STATEMENTS_WRITE_MAX_ATTEMPTS: int = Field(default=6, ge=1, le=20)
    STATEMENTS_WRITE_BACKOFF_MS: int = Field(default=50, ge=0, le=5_000)
    # X-Experience-API-Consistent-Through = now - this: GSI propagation plus a write's duration
    XAPI_CONSISTENT_LAG_MS: int = Field(default=1_000, ge=0, le=60_000)
