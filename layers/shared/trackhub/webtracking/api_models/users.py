"""Bodies of the /admin/accounts/{accountId}/users routes."""

from __future__ import annotations

from datetime import datetime

from trackhub.base_model import HubModel
from trackhub.webtracking.api_models.common import Email, PersonName, Request
from trackhub.webtracking.models import User


class CreateUserRequest(Request):
    email: Email
    firstname: PersonName = ""
    lastname: PersonName = ""


class UserOut(HubModel):
    userId: str
    email: str
    firstname: str
    lastname: str
    userToken: str
    accountId: str
    createdAt: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            userId=user.user_id,
            email=user.email,
            firstname=user.firstname,
            lastname=user.lastname,
            userToken=user.user_token,
            accountId=user.account_id,
            createdAt=user.created_at,
        )


class UserList(HubModel):
    users: list[UserOut]
