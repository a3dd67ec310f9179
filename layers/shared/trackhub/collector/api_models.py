"""Admin API bodies for the collector (camelCase on the wire), mapped from the domain explicitly."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trackhub.collector.models import TRACKING_CODE_PATTERN, TrackingCode, Username

Participants = Annotated[list[Username], Field(max_length=1000)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreateTrackingCodeRequest(_Request):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    trackingCode: Annotated[str, StringConstraints(pattern=TRACKING_CODE_PATTERN)] | None = Field(
        default=None, description="4-64 letters, digits, '_' or '-'; generated (unguessable) when omitted."
    )
    open: bool = True
    allowAnonymous: bool = True
    participants: Participants | None = Field(
        default=None,
        description="Usernames (JWT username claim) admitted when allowAnonymous is false; omitted: any.",
    )


class UpdateTrackingCodeRequest(_Request):
    open: bool | None = None
    allowAnonymous: bool | None = None
    participants: Participants | None = None
    anyParticipant: bool = Field(default=False, description="true: drop the participant list (admit any).")


class TrackingCodeOut(BaseModel):
    trackingCode: str
    accountId: str
    name: str
    open: bool
    allowAnonymous: bool
    participants: list[str] | None
    createdAt: datetime

    @classmethod
    def of(cls, code: TrackingCode) -> TrackingCodeOut:
        return cls(
            trackingCode=code.code,
            accountId=code.account_id,
            name=code.name,
            open=code.open,
            allowAnonymous=code.allow_anonymous,
            participants=None if code.participants is None else list(code.participants),
            createdAt=code.created_at,
        )


class TrackingCodesOut(BaseModel):
    trackingCodes: list[TrackingCodeOut]
