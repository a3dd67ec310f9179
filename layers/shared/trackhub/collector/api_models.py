"""Admin API bodies for the collector (camelCase on the wire), mapped from the domain explicitly."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from trackhub.base_model import HubModel
from trackhub.collector.models import TRACKING_CODE_PATTERN, TrackingCode, Username

Participants = Annotated[list[Username], Field(max_length=1000)]


class _Request(HubModel):
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


class TrackingCodeOut(HubModel):
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


class TrackingCodesOut(HubModel):
    trackingCodes: list[TrackingCodeOut]


class RevokeJwtRequest(_Request):
    """Revoke one token (by its `jti`) or every token of a user issued up to a moment (a logout)."""

    jti: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = Field(
        default=None, description="The `jti` claim of the one token to refuse."
    )
    username: Username | None = Field(
        default=None, description="Refuse this user's tokens issued (`iat`) at or before issuedBefore."
    )
    issuedBefore: datetime | None = Field(
        default=None,
        description="With username: the cut-off (default: now). Tokens without `iat` are refused.",
    )
    expiresAt: datetime | None = Field(
        default=None,
        description="When the revocation may be forgotten (its tokens have expired); default: kept.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> RevokeJwtRequest:
        if (self.jti is None) == (self.username is None):
            raise ValueError("give exactly one of jti or username")
        if self.issuedBefore is not None and self.username is None:
            raise ValueError("issuedBefore: only with username")
        for name in ("issuedBefore", "expiresAt"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"{name}: needs a time zone (e.g. 2026-01-01T00:00:00Z)")
        return self


class JwtRevocationOut(HubModel):
    accountId: str
    jti: str | None = None
    username: str | None = None
    issuedBefore: datetime | None = None
    expiresAt: datetime | None = None
    revokedAt: datetime
