"""The xAPI statement store's settings (shared by the collector and the LRS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import integer, required


class StatementSettings(NamedTuple):
    """The xAPI statement store shared by the collector and the LRS."""

    STATEMENTS_TABLE_NAME: str
    STATEMENTS_WRITE_MAX_ATTEMPTS: int
    STATEMENTS_WRITE_BACKOFF_MS: int
    # X-Experience-API-Consistent-Through = now - this: GSI propagation plus a write's duration
    XAPI_CONSISTENT_LAG_MS: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StatementSettings:
        return cls(
            STATEMENTS_TABLE_NAME=required(env, "STATEMENTS_TABLE_NAME"),
            STATEMENTS_WRITE_MAX_ATTEMPTS=integer(env, "STATEMENTS_WRITE_MAX_ATTEMPTS", 6, ge=1, le=20),
            STATEMENTS_WRITE_BACKOFF_MS=integer(env, "STATEMENTS_WRITE_BACKOFF_MS", 50, ge=0, le=5_000),
            XAPI_CONSISTENT_LAG_MS=integer(env, "XAPI_CONSISTENT_LAG_MS", 1_000, ge=0, le=60_000),
        )
