"""Body of GET /usage."""

from __future__ import annotations

from trackhub.base_model import HubModel


class UsageDayOut(HubModel):
    day: str
    delivered: int


class UsageOut(HubModel):
    accountId: str
    fromDay: str
    toDay: str
    delivered: int
    days: list[UsageDayOut]
