"""Body of GET /whoami."""

from __future__ import annotations

from trackhub.base_model import HubModel


class WhoAmIOut(HubModel):
    userId: str
    accountId: str
    scopes: list[str]
