"""Wire shapes: the Falkor pull/push bodies and envelope, and the admin API's (mapped explicitly)."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.parse
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints

from trackhub.base_model import HubModel
from trackhub.errors import InvalidInput
from trackhub.webtracking.models import (
    MAX_EMAIL_CHARS,
    MAX_MESSAGE_CHARS,
    Activity,
    ActivityId,
    Launch,
    Pathway,
    PathwayId,
    Progress,
    PushChange,
    Target,
    User,
    UserId,
    check_data,
    check_progress,
)
from trackhub.webtracking.service import ByUserToken, ByWebToken, Identification

Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
MAX_URL_CHARS = 2048
MAX_TTL_SECONDS = 365 * 24 * 3600


# ------------------------------------------------------------------ strict field rules
def _number(value: Any) -> Any:
    # JSON true/false and "50" are not percentages: pydantic's lax mode would take them.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number from 0 to 100")
    return value


def _zero_or_one(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (0, 1):
        raise ValueError("must be 0 or 1")
    return value


def _http_url(value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError("must be an absolute http(s) URL, e.g. https://lms.example.com/course/42")
    return value


def _email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or "@" in domain or any(c.isspace() for c in value):
        raise ValueError("must be an email address")
    return value


Percentage = Annotated[float, BeforeValidator(_number), AfterValidator(check_progress)]
Completion = Annotated[int, BeforeValidator(_zero_or_one)]
Message = Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS)]
JsonString = Annotated[str, AfterValidator(check_data)]
Url = Annotated[str, StringConstraints(max_length=MAX_URL_CHARS), AfterValidator(_http_url)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_EMAIL_CHARS), AfterValidator(_email)
]


# ------------------------------------------------------------------ Falkor: envelope
def envelope(data: dict[str, Any], started: float) -> dict[str, Any]:
    """Falkor's success envelope: `hash` is the MD5 hex of the compact JSON of `data`."""
    compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.md5(compact.encode("utf-8"), usedforsecurity=False).hexdigest()
    return {
        "status": "success",
        "data": data,
        "hash": digest,
        "response_time": round(time.perf_counter() - started, 6),
    }


# ------------------------------------------------------------------ Falkor: pull
class PullRequest(HubModel):
    model_config = ConfigDict(frozen=True)

    webToken: Token


def pull_data(target: Target, state: Progress) -> dict[str, Any]:
    return {
        "activity": {"name": target.activity.name, "ID": target.activity.activity_id},
        "pathway": {"name": target.pathway.name, "ID": target.pathway.pathway_id},
        "user": {
            "userToken": target.user.user_token,
            "email": target.user.email,
            "firstname": target.user.firstname,
            "lastname": target.user.lastname,
        },
        "progress": state.progress,
        "complete": state.complete,
        "message": state.message,
        "data": json.loads(state.data) if state.data is not None else {},
    }


# ------------------------------------------------------------------ Falkor: push
class PushRequest(HubModel):
    """Either webToken, or userToken + activity_ID + pathway; and at least one field to store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webToken: Token | None = None
    userToken: Token | None = None
    activity_ID: Token | None = None
    pathway: Token | None = Field(
        default=None, description="The pathway's ID or its name (case-insensitive)."
    )
    progress: Percentage | None = None
    complete: Completion | None = None
    message: Message | None = None
    data: JsonString | None = Field(default=None, description="A string holding JSON, at most 16 KiB.")

    def identification(self) -> Identification:
        """Exactly one way of naming the user and activity; InvalidInput naming the field otherwise."""
        by_user = {"userToken": self.userToken, "activity_ID": self.activity_ID, "pathway": self.pathway}
        if self.webToken is not None:
            extra = [name for name, value in by_user.items() if value is not None]
            if extra:
                raise InvalidInput(f"{extra[0]}: send either webToken or userToken + activity_ID + pathway")
            return ByWebToken(self.webToken)
        missing = [name for name, value in by_user.items() if value is None]
        if len(missing) == len(by_user):
            raise InvalidInput("webToken: required (or userToken + activity_ID + pathway)")
        if missing:
            raise InvalidInput(
                f"{missing[0]}: required with userToken (send userToken, activity_ID and pathway)"
            )
        assert self.userToken and self.activity_ID and self.pathway  # checked just above
        return ByUserToken(user_token=self.userToken, pathway=self.pathway, activity_id=self.activity_ID)

    def change(self) -> PushChange:
        if self.progress is None and self.complete is None and self.message is None and self.data is None:
            raise InvalidInput("progress, complete, message, data: send at least one of them")
        return PushChange(
            progress=self.progress, complete=self.complete, message=self.message, data=self.data
        )


def push_data(state: Progress) -> dict[str, Any]:
    return {"pushed": True, "progress": state.progress, "complete": state.complete}


# ------------------------------------------------------------------ admin
class _Request(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreatePathwayRequest(_Request):
    name: Name
    ID: PathwayId | None = Field(
        default=None, description="1-64 of A-Z a-z 0-9 _ . - ; generated (PW-XXXX-XXXX) when omitted."
    )


class CreateActivityRequest(_Request):
    ID: ActivityId = Field(
        description="The API identifier (activity_ID on push): 1-100 of A-Z a-z 0-9 _ . : -"
    )
    name: Name
    url: Url


class CreateUserRequest(_Request):
    email: Email
    firstname: PersonName = ""
    lastname: PersonName = ""


class CreateLaunchRequest(_Request):
    pathwayId: PathwayId
    activityId: ActivityId
    userId: UserId | None = None
    email: Email | None = None
    ttlSeconds: int | None = Field(
        default=None, ge=1, le=MAX_TTL_SECONDS, description="webToken lifetime; default WEBTOKEN_TTL_SECONDS."
    )

    def user(self) -> tuple[str | None, str | None]:
        if (self.userId is None) == (self.email is None):
            raise InvalidInput("userId: send either userId or email")
        return self.userId, self.email


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


class LaunchOut(HubModel):
    launchUrl: str
    webToken: str = Field(description="Shown only here: the hub keeps only its hash.")
    userToken: str
    expiresAt: datetime

    @classmethod
    def of(cls, launch: Launch) -> LaunchOut:
        return cls(
            launchUrl=launch.launch_url,
            webToken=launch.web_token,
            userToken=launch.user_token,
            expiresAt=launch.expires_at,
        )


class PathwayList(HubModel):
    pathways: list[PathwayOut]


class ActivityList(HubModel):
    activities: list[ActivityOut]


class UserList(HubModel):
    users: list[UserOut]
