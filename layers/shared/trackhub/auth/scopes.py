"""Scopes a key may hold: per part of the hub, and per program for the event store.

events:publish:<programId>   publish (and delete) events of that program
events:read:<programId>      read that program's events, and those of programs it subscribes to
events:publish:* / events:read:*   the same for every program of the key's account
webtracking | collector | webhooks  use that part of the hub for the key's account
"""

from __future__ import annotations

import re
from enum import StrEnum

PROGRAM_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,24}"
PROGRAM_ID_RE = re.compile(rf"^{PROGRAM_ID_PATTERN}$")
_PROGRAM_SCOPE_RE = re.compile(rf"^events:(publish|read):(\*|{PROGRAM_ID_PATTERN})$")


class Part(StrEnum):
    WEBTRACKING = "webtracking"
    COLLECTOR = "collector"
    WEBHOOKS = "webhooks"


class EventRight(StrEnum):
    PUBLISH = "publish"
    READ = "read"


ALL_PROGRAMS = "*"
EVERY_NON_ADMIN_SCOPE: tuple[str, ...] = (
    f"events:{EventRight.PUBLISH}:{ALL_PROGRAMS}",
    f"events:{EventRight.READ}:{ALL_PROGRAMS}",
    *(part.value for part in Part),
)


def program_scope(right: EventRight, program_id: str) -> str:
    return f"events:{right}:{program_id}"


def parse_program_scope(scope: str) -> tuple[EventRight, str] | None:
    """(right, programId or '*') for an events scope; None for a part scope."""
    match = _PROGRAM_SCOPE_RE.match(scope)
    return (EventRight(match.group(1)), match.group(2)) if match else None


def check_scope(scope: str) -> str:
    """Return the scope if it is well-formed, else raise ValueError naming it."""
    if scope in {part.value for part in Part} or parse_program_scope(scope):
        return scope
    raise ValueError(
        f"unknown scope {scope!r}: expected events:publish:<programId>, events:read:<programId> "
        "(or * for every program of the account), webtracking, collector or webhooks"
    )
