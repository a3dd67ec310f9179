"""Admin API request and response bodies (camelCase on the wire), mapped from the domain explicitly."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from trackhub.auth.scopes import PROGRAM_ID_PATTERN, check_scope
from trackhub.base_model import HubModel
from trackhub.tenancy.models import Account, ApiKey, Program, Subscription

ACCOUNT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,11}$"

AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
ProgramId = Annotated[str, StringConstraints(pattern=rf"^{PROGRAM_ID_PATTERN}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Scope = Annotated[str, AfterValidator(check_scope)]


class _Request(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreateAccountRequest(_Request):
    name: Name
    accountId: AccountId | None = Field(
        default=None, description="2-12 lowercase letters, digits or '-'; generated when omitted."
    )


class CreateKeyRequest(_Request):
    scopes: list[Scope] = Field(min_length=1, max_length=50)
    description: Annotated[str, StringConstraints(max_length=200)] = ""


class CreateProgramRequest(_Request):
    programId: ProgramId
    name: Name


class CreateSubscriptionRequest(_Request):
    programId: ProgramId = Field(description="The subscriber program.")
    publisherProgramId: ProgramId = Field(description="The program whose events it may read.")


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
            hubPrograms=HubProgramsOut(**account.hub_programs.model_dump()),
        )


class KeyOut(HubModel):
    userId: str
    accountId: str
    scopes: list[str]
    description: str
    status: str
    createdAt: datetime

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(
            userId=key.user_id,
            accountId=key.account_id,
            scopes=list(key.scopes),
            description=key.description,
            status=key.status.value,
            createdAt=key.created_at,
        )


class KeyCreatedOut(KeyOut):
    apiKey: str = Field(description="The secret. Shown only in this response; the hub keeps only its hash.")


class ProgramOut(HubModel):
    programId: str
    accountId: str
    name: str
    status: str
    hubOwned: bool
    createdAt: datetime

    @classmethod
    def of(cls, program: Program) -> ProgramOut:
        return cls(
            programId=program.program_id,
            accountId=program.account_id,
            name=program.name,
            status=program.status.value,
            hubOwned=program.hub_owned,
            createdAt=program.created_at,
        )


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


class AccountList(HubModel):
    accounts: list[AccountOut]


class KeyList(HubModel):
    keys: list[KeyOut]


class ProgramList(HubModel):
    programs: list[ProgramOut]


class SubscriptionList(HubModel):
    subscriptions: list[SubscriptionOut]


class WhoAmIOut(HubModel):
    userId: str
    accountId: str
    scopes: list[str]
