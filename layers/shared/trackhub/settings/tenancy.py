"""The tenancy table (accounts, keys, programs, subscriptions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import required


class TenancySettings(NamedTuple):
    TENANCY_TABLE_NAME: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TenancySettings:
        return cls(TENANCY_TABLE_NAME=required(env, "TENANCY_TABLE_NAME"))
