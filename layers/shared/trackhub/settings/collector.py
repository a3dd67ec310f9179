"""The RAGE collector's settings and where its per-account JWT settings live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import integer, required, text


class CollectorSettings(NamedTuple):
    """The RAGE collector: its table, the auth tokens' sliding lifetime, the actors' homePage."""

    COLLECTOR_TABLE_NAME: str
    COLLECTOR_TOKEN_TTL_SECONDS: int
    COLLECTOR_HOME_PAGE: str  # empty: <proto>://<Host of the request>/

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CollectorSettings:
        return cls(
            COLLECTOR_TABLE_NAME=required(env, "COLLECTOR_TABLE_NAME"),
            COLLECTOR_TOKEN_TTL_SECONDS=integer(
                env, "COLLECTOR_TOKEN_TTL_SECONDS", 86_400, ge=60, le=30 * 86_400
            ),
            COLLECTOR_HOME_PAGE=text(env, "COLLECTOR_HOME_PAGE", ""),
        )


class CollectorJwtSettings(NamedTuple):
    """Where per-account JWT settings live in SSM Parameter Store, and how long a read is cached."""

    COLLECTOR_JWT_PARAMETER_PREFIX: str
    COLLECTOR_JWT_SETTINGS_MAX_AGE: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CollectorJwtSettings:
        return cls(
            COLLECTOR_JWT_PARAMETER_PREFIX=text(
                env,
                "COLLECTOR_JWT_PARAMETER_PREFIX",
                "/trackhub/collector/jwt",
                pattern=r"^/[A-Za-z0-9_./-]+$",
            ),
            COLLECTOR_JWT_SETTINGS_MAX_AGE=integer(env, "COLLECTOR_JWT_SETTINGS_MAX_AGE", 60, ge=0, le=3_600),
        )
