"""Falkor's wire shapes: the pull and push bodies and the success envelope."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints

from trackhub.base_model import HubModel
from trackhub.errors import InvalidInput
from trackhub.webtracking.models import (
    MAX_MESSAGE_CHARS,
    Progress,
    PushChange,
    Target,
    check_data,
    check_progress,
)
from trackhub.webtracking.service import ByUserToken, ByWebToken, Identification

Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]


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


Percentage = Annotated[float, BeforeValidator(_number), AfterValidator(check_progress)]
Completion = Annotated[int, BeforeValidator(_zero_or_one)]
Message = Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS)]
JsonString = Annotated[str, AfterValidator(check_data)]


# ------------------------------------------------------------------ envelope
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


# ------------------------------------------------------------------ pull
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


# ------------------------------------------------------------------ push
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
