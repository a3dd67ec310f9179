"""webTokens, userTokens and generated ids: random from `secrets`, looked up only by their SHA-256.

A token carries 192 random bits (token_urlsafe(24), 32 URL-safe characters). The table keys a
token by its hex SHA-256, so a copy of the table does not contain a working webToken; as with API
keys, a single fast hash is right for a value with that much entropy.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import urllib.parse

TOKEN_BYTES = 24
_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_id(prefix: str) -> str:
    """`<prefix>-XXXX-XXXX` like Falkor's SKUs (FAPW-GWRG-02HU): 36^8 ≈ 2.8e12 values."""
    groups = ("".join(secrets.choice(_ID_ALPHABET) for _ in range(4)) for _ in range(2))
    return "-".join((prefix, *groups))


def launch_url(activity_url: str, web_token: str) -> str:
    """The activity URL with `webToken=<token>` added to its query (`?` or `&`), fragment kept last."""
    parts = urllib.parse.urlsplit(activity_url)
    param = "webToken=" + urllib.parse.quote(web_token, safe="")
    query = f"{parts.query}&{param}" if parts.query else param
    return urllib.parse.urlunsplit(parts._replace(query=query))
