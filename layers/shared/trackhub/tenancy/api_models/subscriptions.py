"""Bodies of the /admin/accounts/{accountId}/subscriptions routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from trackhub.base_model import HubModel
from trackhub.tenancy.api_models.common import ProgramId, Request
from trackhub.tenancy.models import Subscription


class CreateSubscriptionRequest(Request):
    programId: ProgramId = Field(description="The subscriber program.")
    publisherProgramId: ProgramId = Field(description="The program whose events it may read.")


class SubscriptionOut(HubModel):
    programId: str
    publisherProgramId: str
    subscriberAccountId: str
    createdAt: datetime

    @classmethod
    def of(cls, sub: Subscription) -> SubscriptionOut:
        return cls(
            programId=sub.program_id,
            publisherProgramId=sub.publisher_program_id,
            subscriberAccountId=sub.subscriber_account_id,
            createdAt=sub.created_at,
        )


class SubscriptionList(HubModel):
    subscriptions: list[SubscriptionOut]
