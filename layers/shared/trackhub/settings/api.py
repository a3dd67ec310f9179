"""The HTTP edge's settings."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class ApiSettings(EnvModel):
    """Limits every HTTP function applies before routing."""

    MAX_BODY_BYTES: int = Field(default=1_048_576, gt=0)
    MAX_JSON_DEPTH: int = Field(default=32, gt=0)
