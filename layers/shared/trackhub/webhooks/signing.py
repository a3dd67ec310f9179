"""The two signatures a receiver can check.

1. Ekademia's `key` = hex sha256(USER_ID . TIME . secret) - USER_ID is the user id *as sent* (empty
   when anonymous or without consent), TIME the `time` parameter, secret the code's secret ('' if none).
2. Standard Webhooks headers: `webhook-id` (stable across retries), `webhook-timestamp` (this
   attempt) and `webhook-signature: v1,<base64 HMAC-SHA256(id.timestamp.payload)>` with a key
   derived from the code's secret (`standard_secret`). The payload is the JSON body for POST and the
   query string as sent for GET. Without a secret there is nothing private to sign with, so no
   `webhook-signature` is sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

_DERIVATION_LABEL = b"trackhub-webhooks-v1"
TOLERANCE_SECONDS = 300


def ekademia_key(user_id: str, timestamp: int, secret: str | None) -> str:
    return hashlib.sha256(f"{user_id}{timestamp}{secret or ''}".encode()).hexdigest()


def standard_secret(secret: str) -> str:
    """The `whsec_` key a receiver gives `standardwebhooks.Webhook(...)` for a code's secret."""
    derived = hmac.new(_DERIVATION_LABEL, secret.encode(), hashlib.sha256).digest()
    return "whsec_" + base64.b64encode(derived).decode()


def _key_bytes(whsec: str) -> bytes:
    return base64.b64decode(whsec.removeprefix("whsec_"))


def sign(whsec: str, message_id: str, timestamp: int, payload: str) -> str:
    digest = hmac.new(
        _key_bytes(whsec), f"{message_id}.{timestamp}.{payload}".encode(), hashlib.sha256
    ).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_headers(message_id: str, timestamp: int, payload: str, whsec: str | None) -> dict[str, str]:
    headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp)}
    if whsec:
        headers["webhook-signature"] = sign(whsec, message_id, timestamp, payload)
    return headers


def verify(secret: str, payload: str, headers: Mapping[str, str], *, now: float | None = None) -> bool:
    """Receiver-side helper (same result as `standardwebhooks`): signature valid and timestamp fresh."""
    lowered = {k.lower(): v for k, v in headers.items()}
    message_id = lowered.get("webhook-id", "")
    try:
        timestamp = int(lowered.get("webhook-timestamp", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(standard_secret(secret), message_id, timestamp, payload).encode()
    offered = [s.encode() for s in lowered.get("webhook-signature", "").split() if s.startswith("v1,")]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)
