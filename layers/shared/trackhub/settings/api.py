"""The HTTP edge's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import integer


class ApiSettings(NamedTuple):
    """Limits every HTTP function applies before routing."""

    MAX_BODY_BYTES: int
    MAX_JSON_DEPTH: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ApiSettings:
        return cls(
            MAX_BODY_BYTES=integer(env, "MAX_BODY_BYTES", 1_048_576, ge=1),
            MAX_JSON_DEPTH=integer(env, "MAX_JSON_DEPTH", 32, ge=1),
        )
