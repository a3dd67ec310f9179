"""Web tracking's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import integer, required


class WebTrackingSettings(NamedTuple):
    """Web tracking's table, how long a launch's webToken lives, and how hard a push retries a lost race."""

    WEBTRACKING_TABLE_NAME: str
    WEBTOKEN_TTL_SECONDS: int
    WEBTRACKING_PUSH_MAX_ATTEMPTS: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebTrackingSettings:
        return cls(
            WEBTRACKING_TABLE_NAME=required(env, "WEBTRACKING_TABLE_NAME"),
            WEBTOKEN_TTL_SECONDS=integer(
                env, "WEBTOKEN_TTL_SECONDS", 7 * 24 * 3600, ge=1, le=365 * 24 * 3600
            ),
            WEBTRACKING_PUSH_MAX_ATTEMPTS=integer(env, "WEBTRACKING_PUSH_MAX_ATTEMPTS", 5, ge=1, le=20),
        )
