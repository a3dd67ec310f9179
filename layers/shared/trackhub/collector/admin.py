"""Provisioning for the collector: tracking codes and per-account JWT settings (admin API only)."""

from __future__ import annotations

import secrets
from typing import Any

from trackhub.collector import jwt_settings, repository
from trackhub.collector.api_models import CreateTrackingCodeRequest, UpdateTrackingCodeRequest
from trackhub.collector.models import JwtSettings, TrackingCode
from trackhub.errors import InvalidInput, NotFound
from trackhub.storage.items import utc_now
from trackhub.tenancy import service as tenancy_service


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
