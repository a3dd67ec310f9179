"""Bodies of the /admin/accounts routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from trackhub.base_model import HubModel
from trackhub.tenancy.api_models.common import AccountId, Name, Request
from trackhub.tenancy.models import Account


class CreateAccountRequest(Request):
    name: Name
    accountId: AccountId | None = Field(
        default=None, description="2-12 lowercase letters, digits or '-'; generated when omitted."
    )


class HubProgramsOut(HubModel):
    webtracking: str
    collector: str


class AccountOut(HubModel):
    accountId: str
    name: str
    status: str
    createdAt: datetime
    hubPrograms: HubProgramsOut

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            accountId=account.account_id,
            name=account.name,
            status=account.status.value,
            createdAt=account.created_at,
            hubPrograms=HubProgramsOut(**account.hub_programs._asdict()),
        )


class AccountList(HubModel):
    accounts: list[AccountOut]
