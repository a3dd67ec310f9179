"""API key secrets: generated from `secrets`, stored only as a hash, compared in constant time.

An apiKey carries 256 random bits, so a single SHA-256 is the right hash: there is nothing to
brute-force that a slow KDF would protect, and a slow KDF would add its cost to every request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from typing import NamedTuple

from trackhub.errors import Unauthenticated

USER_ID_PATTERN = re.compile(r"^tk_[a-f0-9]{16}$")
_MAX_HEADER = 512


class BasicCredentials(NamedTuple):
    user_id: str
    api_key: str


def new_user_id() -> str:
    return f"tk_{secrets.token_hex(8)}"


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# Compared against when the userId is unknown, so that a miss costs the same as a wrong secret.
_DUMMY_HASH = hash_secret(secrets.token_urlsafe(32))


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash or _DUMMY_HASH) and stored_hash is not None


def parse_basic(header: str | None) -> BasicCredentials:
    """Parse `Authorization: Basic base64(userId:apiKey)`; every failure is a 401 naming the problem."""
    if not header:
        raise Unauthenticated("Missing Authorization header (expected Basic userId:apiKey)")
    if len(header) > _MAX_HEADER:
        raise Unauthenticated("Authorization header is too long")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise Unauthenticated("Authorization must use the Basic scheme with userId:apiKey")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthenticated("Authorization Basic credentials are not valid base64") from exc
    user_id, sep, api_key = decoded.partition(":")
    if not sep or not user_id or not api_key:
        raise Unauthenticated("Authorization Basic credentials must be userId:apiKey")
    return BasicCredentials(user_id=user_id, api_key=api_key)
