"""Revoked identified-player JWTs: A2 answered 401 for a JWT whose signature held but whose session
was gone (a logout). The hub keeps that list per account in the collector table:

    PK JWTREV#<accountId>   SK JTI#<sha256 of jti>   one token (matched by its `jti` claim)
    PK JWTREV#<accountId>   SK USER#<username>       every token of the user issued (`iat`) at or
                                                      before `revokedBefore`; tokens without `iat` too

`expiresAt` (optional TTL) lets DynamoDB forget an entry once the tokens it covers have expired.
An identified start reads both keys in one consistent BatchGetItem.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from trackhub.collector.identity import VerifiedToken
from trackhub.config import collector_settings
from trackhub.storage.batch import get_many
from trackhub.storage.clients import table
from trackhub.storage.errors import unavailable_on_outage
from trackhub.storage.items import iso

_WHAT = "the collector table"


def _pk(account_id: str) -> str:
    return f"JWTREV#{account_id}"


def _jti_sk(jti: str) -> str:
    return "JTI#" + hashlib.sha256(jti.encode("utf-8")).hexdigest()


def _user_sk(username: str) -> str:
    return f"USER#{username}"


def _put(item: dict[str, Any], expires_at: datetime | None) -> None:
    if expires_at is not None:
        item["expiresAt"] = int(expires_at.timestamp())
    with unavailable_on_outage(_WHAT):
        table(collector_settings().COLLECTOR_TABLE_NAME).put_item(Item=item)


def revoke_jti(account_id: str, jti: str, *, now: datetime, expires_at: datetime | None) -> None:
    _put({"PK": _pk(account_id), "SK": _jti_sk(jti), "revokedAt": iso(now)}, expires_at)


def revoke_user(
    account_id: str, username: str, *, before: datetime, now: datetime, expires_at: datetime | None
) -> None:
    """Tokens of `username` issued at or before `before` are refused (a later login's are not)."""
    item = {
        "PK": _pk(account_id),
        "SK": _user_sk(username),
        "revokedBefore": int(before.timestamp()),
        "revokedAt": iso(now),
    }
    _put(item, expires_at)


def keys(account_id: str, token: VerifiedToken) -> list[dict[str, str]]:
    """The entries that could revoke `token` (a start reads them in its one BatchGetItem)."""
    found = [{"PK": _pk(account_id), "SK": _user_sk(token.username)}]
    if token.jti is not None:
        found.append({"PK": _pk(account_id), "SK": _jti_sk(token.jti)})
    return found


def is_revoked(account_id: str, token: VerifiedToken) -> bool:
    found = get_many(collector_settings().COLLECTOR_TABLE_NAME, keys(account_id, token), what=_WHAT)
    return revoked_by(token, found)


def revoked_by(token: VerifiedToken, found: list[dict[str, Any]]) -> bool:
    """Whether any of the entries read for `token` (items under `keys`) revokes it."""
    for item in found:
        if item["SK"].startswith("JTI#"):
            return True
        before = int(item["revokedBefore"])
        if token.issued_at is None or token.issued_at <= before:
            return True
    return False
