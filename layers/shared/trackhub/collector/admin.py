"""Provisioning for the collector: tracking codes and per-account JWT settings (admin API only)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from trackhub.collector import jwt_settings, repository, revocations
from trackhub.collector.models import JwtSettings, PlayerType, TrackingCode
from trackhub.errors import InvalidInput, NotFound
from trackhub.storage.items import utc_now
from trackhub.tenancy import service as tenancy_service

if TYPE_CHECKING:  # the bodies of the routes that take them, which import them: not delete player's
    from trackhub.collector.api_models import (
        CreateTrackingCodeRequest,
        JwtRevocationOut,
        RevokeJwtRequest,
        UpdateTrackingCodeRequest,
    )


def create_code(account_id: str, request: CreateTrackingCodeRequest) -> TrackingCode:
    tenancy_service.active_account(account_id)
    code = TrackingCode(
        code=request.trackingCode or secrets.token_hex(12),
        account_id=account_id,
        name=request.name,
        open=request.open,
        allow_anonymous=request.allowAnonymous,
        participants=None if request.participants is None else tuple(dict.fromkeys(request.participants)),
        created_at=utc_now(),
    )
    repository.create_code(code)
    return code


def list_codes(account_id: str) -> list[TrackingCode]:
    tenancy_service.active_account(account_id)
    return repository.list_codes(account_id)


def update_code(account_id: str, code: str, request: UpdateTrackingCodeRequest) -> TrackingCode:
    changes: dict[str, Any] = {}
    if request.open is not None:
        changes["open"] = request.open
    if request.allowAnonymous is not None:
        changes["allowAnonymous"] = request.allowAnonymous
    if request.anyParticipant and request.participants is not None:
        raise InvalidInput("participants: cannot be combined with anyParticipant")
    if request.anyParticipant:
        changes["participants"] = None
    elif request.participants is not None:
        changes["participants"] = list(dict.fromkeys(request.participants))
    if not changes:
        raise InvalidInput("body: give at least one of open, allowAnonymous, participants, anyParticipant")
    return repository.update_code(account_id, code, changes)


def put_jwt_settings(account_id: str, settings: JwtSettings) -> dict[str, Any]:
    tenancy_service.active_account(account_id)
    jwt_settings.put(account_id, settings)
    return {"accountId": account_id, **settings.public_view()}


def get_jwt_settings(account_id: str) -> dict[str, Any]:
    tenancy_service.active_account(account_id)
    settings = jwt_settings.get(account_id, fresh=True)
    if settings is None:
        raise NotFound(f"account {account_id!r} has no JWT settings")
    return {"accountId": account_id, **settings.public_view()}


def revoke_jwt(account_id: str, request: RevokeJwtRequest) -> JwtRevocationOut:
    from trackhub.collector.api_models import JwtRevocationOut  # loaded by the revoke route already

    tenancy_service.active_account(account_id)
    now = utc_now()
    if request.jti is not None:
        revocations.revoke_jti(account_id, request.jti, now=now, expires_at=request.expiresAt)
        return JwtRevocationOut(
            accountId=account_id, jti=request.jti, expiresAt=request.expiresAt, revokedAt=now
        )
    assert request.username is not None  # the request model holds exactly one of the two
    before = request.issuedBefore or now
    revocations.revoke_user(
        account_id, request.username, before=before, now=now, expires_at=request.expiresAt
    )
    return JwtRevocationOut(
        accountId=account_id,
        username=request.username,
        issuedBefore=before,
        expiresAt=request.expiresAt,
        revokedAt=now,
    )


def delete_player(account_id: str, player_type: str, player_id: str) -> None:
    """Forget a player and its session counters. Its live authTokens stay, and tracks with them are
    answered `false` and store nothing (RAGE's answer for a deleted player)."""
    tenancy_service.active_account(account_id)
    try:
        kind = PlayerType(player_type)
    except ValueError:
        raise InvalidInput("playerType: must be anonymous or identified") from None
    if not repository.delete_player(account_id, kind, player_id):
        raise NotFound(f"no {kind.value} player {player_id!r} in account {account_id!r}")
