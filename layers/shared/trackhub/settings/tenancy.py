"""The tenancy table (accounts, keys, programs, subscriptions)."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class TenancySettings(EnvModel):
    TENANCY_TABLE_NAME: str = Field(min_length=1)
