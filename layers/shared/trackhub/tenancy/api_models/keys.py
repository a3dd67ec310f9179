"""Bodies of the /admin/accounts/{accountId}/keys routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from trackhub.base_model import HubModel
from trackhub.tenancy.api_models.common import Request, Scope
from trackhub.tenancy.models import ApiKey


class CreateKeyRequest(Request):
    scopes: list[Scope] = Field(min_length=1, max_length=50)
    description: Annotated[str, StringConstraints(max_length=200)] = ""


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


class KeyList(HubModel):
    keys: list[KeyOut]
