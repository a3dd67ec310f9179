"""Collector domain records (tracking codes, players, session counters and tokens) and the per-account
JWT settings model.

The records are immutable NamedTuples built from the hub's own items and validated request bodies
(cheap to create at import: docs/performance.md); JwtSettings is a pydantic model because it is
validated, as a request body and as the JSON kept in SSM."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from trackhub.base_model import HubModel

TRACKING_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{3,63}$"
TRACKING_CODE_RE = re.compile(TRACKING_CODE_PATTERN)
Username = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PlayerType(StrEnum):
    ANONYMOUS = "anonymous"
    IDENTIFIED = "identified"


def event_participant(player_type: PlayerType, player_id: str) -> str:
    """Who an event is about, as subscribers and webhook receivers see it.

    An anonymous player's id is its credential (anyone holding it can resume the player), so events
    carry a stable pseudonym instead; an identified player is named by its (JWT) username.
    """
    if player_type is PlayerType.ANONYMOUS:
        return "anonymous:" + hashlib.sha256(player_id.encode("utf-8")).hexdigest()[:32]
    return (
        player_id if len(player_id) <= 200 else "identified:" + hashlib.sha256(player_id.encode()).hexdigest()
    )


class TrackingCode(NamedTuple):
    """A game or activity that trackers start sessions on (RAGE's activity / game-version code)."""

    code: str
    account_id: str
    name: str
    open: bool
    allow_anonymous: bool
    participants: tuple[str, ...] | None  # None: any identified player may join
    created_at: datetime

    def admits(self, username: str | None) -> bool:
        """RAGE's isAuthorizedFor: anonymous players need allowAnonymous; a list limits identified ones."""
        if self.allow_anonymous:
            return True
        if username is None:
            return False
        return self.participants is None or username in self.participants


class Player(NamedTuple):
    account_id: str
    player_id: str  # the anonymous id, or the username of an identified player
    type: PlayerType
    animal_name: str
    created_at: datetime


class SessionCount(NamedTuple):
    """The (player, tracking code) counter after an atomic increment."""

    session: int
    gameplay_id: str
    first_session_started: datetime


class SessionToken(NamedTuple):
    """What an authToken stands for (the token itself is stored only as its SHA-256)."""

    account_id: str
    tracking_code: str
    player_id: str
    player_type: PlayerType
    session: int
    gameplay_id: str
    first_session_started: str
    current_session_started: str

    def context(self) -> dict[str, Any]:
        """Stored beside each statement of the session (never inside it as bare keys)."""
        return {
            "trackingCode": self.tracking_code,
            "playerId": self.player_id,
            "playerType": self.player_type.value,
            "gameplayId": self.gameplay_id,
            "session": self.session,
            "firstSessionStarted": self.first_session_started,
            "currentSessionStarted": self.current_session_started,
        }


class JwtSettings(HubModel):
    """How an account's identified players' JWTs are verified (kept in SSM Parameter Store)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    algorithm: Literal["HS256", "RS256"]
    secret: Annotated[str, StringConstraints(min_length=32, max_length=4096)] | None = Field(
        default=None, description="HS256 shared secret (at least 32 characters); never returned."
    )
    publicKey: Annotated[str, StringConstraints(min_length=1, max_length=8192)] | None = Field(
        default=None, description="RS256: a PEM public key."
    )
    jwksUrl: Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=2048)] | None = Field(
        default=None, description="RS256: an https JWKS URL (keys picked by `kid`)."
    )
    issuer: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    audience: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    usernameClaim: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_:.-]{1,64}$")] = "sub"

    @model_validator(mode="after")
    def _one_key_for_the_algorithm(self) -> JwtSettings:
        if self.algorithm == "HS256":
            if self.secret is None or self.publicKey or self.jwksUrl:
                raise ValueError("HS256 needs `secret` (and neither publicKey nor jwksUrl)")
        elif self.secret is not None or (self.publicKey is None) == (self.jwksUrl is None):
            raise ValueError("RS256 needs exactly one of `publicKey` or `jwksUrl` (and no secret)")
        return self

    def public_view(self) -> dict[str, Any]:
        view = self.model_dump(exclude={"secret"}, exclude_none=True)
        view["hasSecret"] = self.secret is not None
        return view
