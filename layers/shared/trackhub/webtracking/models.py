"""Web tracking domain records (NamedTuples: built from our own items and validated bodies) and the field
rules both the admin API and the Falkor endpoints share."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Annotated, Any, NamedTuple

from pydantic import StringConstraints

# Ids go into sort keys joined by '#', so '#' (and anything but these) is never part of one.
PATHWAY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ACTIVITY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"
USER_ID_PATTERN = r"^US-[A-Z0-9]{4}-[A-Z0-9]{4}$"
MAX_MESSAGE_CHARS = 48
MAX_DATA_BYTES = 16 * 1024
MAX_EMAIL_CHARS = 200  # the event store's PublisherParticipantId limit

PathwayId = Annotated[str, StringConstraints(pattern=PATHWAY_ID_PATTERN)]
ActivityId = Annotated[str, StringConstraints(pattern=ACTIVITY_ID_PATTERN)]
UserId = Annotated[str, StringConstraints(pattern=USER_ID_PATTERN)]


def check_progress(value: float) -> float:
    if math.isnan(value) or math.isinf(value) or not 0 <= value <= 100:
        raise ValueError("must be a number from 0 to 100")
    return float(value)


def check_data(value: str) -> str:
    """A string holding one JSON value (any: object, array, string, number, boolean, null), ≤ 16 KiB."""
    size = len(value.encode("utf-8"))
    if size > MAX_DATA_BYTES:
        raise ValueError(f"is {size} bytes; the limit is {MAX_DATA_BYTES} bytes")
    try:
        json.loads(value, parse_constant=_not_json)
    except ValueError:
        raise ValueError("must be a string containing valid JSON, e.g. '{\"score\": 12}'") from None
    return value


def _not_json(name: str) -> Any:
    raise ValueError(name)


class Pathway(NamedTuple):
    account_id: str
    pathway_id: str
    name: str
    created_at: datetime


class Activity(NamedTuple):
    account_id: str
    pathway_id: str
    activity_id: str  # the API identifier, `activity_ID` on push
    name: str
    url: str
    created_at: datetime


class User(NamedTuple):
    account_id: str
    user_id: str
    email: str
    firstname: str
    lastname: str
    user_token: str
    created_at: datetime


class WebTokenGrant(NamedTuple):
    """What a webToken is bound to; `expires_at` is epoch seconds (also the table's TTL attribute)."""

    account_id: str
    pathway_id: str
    activity_id: str
    user_id: str
    expires_at: int


class Launch(NamedTuple):
    web_token: str
    launch_url: str
    user_token: str
    expires_at: datetime


class Progress(NamedTuple):
    """A user's state on one activity. `version` 0 means nothing stored yet."""

    progress: float = 0.0
    complete: int = 0
    message: str = ""
    data: str | None = None  # the JSON string as pushed
    started: bool = False
    version: int = 0


class Target(NamedTuple):
    """The (pathway, activity, user) a pull or push is about, resolved within one account."""

    account_id: str
    pathway: Pathway
    activity: Activity
    user: User


class PushChange(NamedTuple):
    """Fields a push sets; None keeps the stored value."""

    progress: float | None = None
    complete: int | None = None
    message: str | None = None
    data: str | None = None
