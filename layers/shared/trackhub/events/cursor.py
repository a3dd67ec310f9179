"""The feed cursor: an opaque token for a position (program, sequence) in one program's feed.

It is urlsafe base64 (no padding) of a compact JSON object {"p": programId, "s": seq}. Callers must
not build or parse it; the hub only promises that a cursor it returned resumes exactly there.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from trackhub.errors import InvalidInput
from trackhub.events.models import MAX_SEQ

MAX_CURSOR_CHARS = 200
_TOKEN_RE = re.compile(rf"^[A-Za-z0-9_-]{{1,{MAX_CURSOR_CHARS}}}$")
_BAD = "cursor: not a cursor this feed returned"


def encode(program_id: str, seq: int) -> str:
    raw = json.dumps({"p": program_id, "s": seq}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(token: str, program_id: str) -> int:
    """The sequence a cursor points at; InvalidInput naming `cursor` when malformed or for another program."""
    if not _TOKEN_RE.match(token):
        raise InvalidInput(_BAD)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError):
        raise InvalidInput(_BAD) from None
    if not isinstance(payload, dict) or set(payload) != {"p", "s"}:
        raise InvalidInput(_BAD)
    seq = payload["s"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        raise InvalidInput(_BAD)
    if payload["p"] != program_id:
        raise InvalidInput("cursor: this cursor belongs to another program's feed")
    return seq
