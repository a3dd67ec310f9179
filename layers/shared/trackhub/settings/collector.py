"""The RAGE collector's settings and where its per-account JWT settings live."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class CollectorSettings(EnvModel):
    """The RAGE collector: its table, the auth tokens' sliding lifetime, the actors' homePage."""

    COLLECTOR_TABLE_NAME: str = Field(min_length=1)
    COLLECTOR_TOKEN_TTL_SECONDS: int = Field(default=86_400, ge=60, le=30 * 86_400)
    COLLECTOR_HOME_PAGE: str = ""  # empty: <proto>://<Host of the request>/


class CollectorJwtSettings(EnvModel):
    """Where per-account JWT settings live in SSM Parameter Store, and how long a read is cached."""

    COLLECTOR_JWT_PARAMETER_PREFIX: str = Field(
        default="/trackhub/collector/jwt", pattern=r"^/[A-Za-z0-9_./-]+$"
    )
    COLLECTOR_JWT_SETTINGS_MAX_AGE: int = Field(default=60, ge=0, le=3_600)
