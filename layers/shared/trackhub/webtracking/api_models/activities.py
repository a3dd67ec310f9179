"""Bodies of the /admin/accounts/{accountId}/pathways/{pathwayId}/activities routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from trackhub.base_model import HubModel
from trackhub.webtracking.api_models.common import Name, Request, Url
from trackhub.webtracking.models import Activity, ActivityId


class CreateActivityRequest(Request):
    ID: ActivityId = Field(
        description="The API identifier (activity_ID on push): 1-100 of A-Z a-z 0-9 _ . : -"
    )
    name: Name
    url: Url


class ActivityOut(HubModel):
    ID: str
    name: str
    url: str
    pathwayId: str
    accountId: str
    createdAt: datetime

    @classmethod
    def of(cls, activity: Activity) -> ActivityOut:
        return cls(
            ID=activity.activity_id,
            name=activity.name,
            url=activity.url,
            pathwayId=activity.pathway_id,
            accountId=activity.account_id,
            createdAt=activity.created_at,
        )


class ActivityList(HubModel):
    activities: list[ActivityOut]
