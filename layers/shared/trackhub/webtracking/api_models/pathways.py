"""Bodies of the /admin/accounts/{accountId}/pathways routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from trackhub.base_model import HubModel
from trackhub.webtracking.api_models.common import Name, Request
from trackhub.webtracking.models import Pathway, PathwayId


class CreatePathwayRequest(Request):
    name: Name
    ID: PathwayId | None = Field(
        default=None, description="1-64 of A-Z a-z 0-9 _ . - ; generated (PW-XXXX-XXXX) when omitted."
    )


class PathwayOut(HubModel):
    ID: str
    name: str
    accountId: str
    createdAt: datetime

    @classmethod
    def of(cls, pathway: Pathway) -> PathwayOut:
        return cls(
            ID=pathway.pathway_id,
            name=pathway.name,
            accountId=pathway.account_id,
            createdAt=pathway.created_at,
        )


class PathwayList(HubModel):
    pathways: list[PathwayOut]
