"""Web tracking's settings."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class WebTrackingSettings(EnvModel):
    """Web tracking's table, how long a launch's webToken lives, and how hard a push retries a lost race."""

    WEBTRACKING_TABLE_NAME: str = Field(min_length=1)
    WEBTOKEN_TTL_SECONDS: int = Field(default=7 * 24 * 3600, ge=1, le=365 * 24 * 3600)
    WEBTRACKING_PUSH_MAX_ATTEMPTS: int = Field(default=5, ge=1, le=20)
