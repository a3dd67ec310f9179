"""Event store domain models and the field rules shared by every way an event enters the hub.

`NewEvent` is what a publisher hands in (validated: the HTTP edge and the hub's own parts go through
the same rules); `StoredEvent` is the committed record, trusted when read back.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from trackhub.auth.scopes import PROGRAM_ID_PATTERN
from trackhub.base_model import HubModel
from trackhub.storage.items import parse_utc

MAX_EVENT_DATA_BYTES = 256 * 1024  # compact UTF-8 JSON of PublisherEventData
DEFAULT_FEED_LIMIT = 100
MAX_FEED_LIMIT = 1000
MAX_SEQ = 10**12 - 1  # feed sequences are zero-padded to 12 digits in sort keys

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
EVENT_ID_RE = re.compile(rf"^(?P<program>{PROGRAM_ID_PATTERN})-(?P<uuid>{_UUID})$")


# ------------------------------------------------------------------ field rules
def compact_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    try:
        compact_json(value)
    except ValueError:
        raise ValueError("must be plain JSON (NaN and Infinity are not JSON numbers)") from None
    return value


def data_size(data: dict[str, Any]) -> int:
    return len(compact_json(data).encode("utf-8"))


def normalize_event_id(event_id: str) -> str | None:
    """`<programId>-<UUID>` with the UUID lower-cased, or None when it is not an event id at all."""
    match = EVENT_ID_RE.match(event_id)
    return f"{match['program']}-{match['uuid'].lower()}" if match else None


def check_event_id(event_id: str, program_id: str | None) -> str:
    normalized = normalize_event_id(event_id)
    if normalized is None:
        raise ValueError(
            "must be <PublisherProgramId>-<UUID>, e.g. MYPROG-0b5f1c2e-8f0e-4a51-9d3c-2f1e6b7a9c10"
        )
    if program_id is not None and not normalized.startswith(f"{program_id}-"):
        raise ValueError(f"must start with the PublisherProgramId followed by '-' ({program_id}-<UUID>)")
    return normalized


def check_end(start: datetime | None, end: datetime | None) -> datetime | None:
    if start is not None and end is not None and end < start:
        raise ValueError("must not be before EventStartUtc")
    return end


EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=50)]
ProgramId = Annotated[str, StringConstraints(pattern=rf"^{PROGRAM_ID_PATTERN}$")]
SystemId = Annotated[str, StringConstraints(min_length=1, max_length=25)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=200)]
CategoryValue = Annotated[str, StringConstraints(min_length=1, max_length=200)]
CategoryLabel = Annotated[str, StringConstraints(max_length=200)]
UtcTimestamp = Annotated[datetime, BeforeValidator(parse_utc)]
EventData = Annotated[dict[str, Any], AfterValidator(_json_object)]


# ------------------------------------------------------------------ domain models
class _Domain(HubModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventCategory(_Domain):
    value: CategoryValue
    label: CategoryLabel


class NewEvent(_Domain):
    """An event to publish. `event_id` None means the hub assigns `<program>-<uuid4>`."""

    event_type: EventTypeName
    publisher_program_id: ProgramId
    publisher_event_id: Identifier
    publisher_participant_id: Identifier
    publisher_event_data: EventData
    event_start_utc: UtcTimestamp
    event_end_utc: UtcTimestamp | None = None
    event_id: str | None = None
    publisher_system_id: SystemId | None = None
    publisher_event_category: EventCategory | None = None
    reference_event_id: Identifier | None = None

    @field_validator("event_end_utc")
    @classmethod
    def _not_before_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return check_end(info.data.get("event_start_utc"), value)

    @field_validator("event_id")
    @classmethod
    def _of_program(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else check_event_id(value, info.data.get("publisher_program_id"))


class StoredEvent(_Domain):
    """A committed event: the publisher's fields, the hub-assigned id and time, and its feed position."""

    event_id: str
    event_type: str
    publisher_program_id: str
    publisher_system_id: str | None
    publisher_event_id: str
    publisher_participant_id: str
    publisher_event_category: EventCategory | None
    publisher_event_data: dict[str, Any]
    event_start_utc: datetime
    event_end_utc: datetime | None
    reference_event_id: str | None
    created_utc: datetime
    feed_seq: int


class FeedQuery(_Domain):
    """A page of a program's feed: after a position (`after_seq`), else from `since`, else from the start."""

    program_id: str
    after_seq: int | None = Field(default=None, ge=0, le=MAX_SEQ)
    since: datetime | None = None
    event_type: str | None = None
    participant: str | None = None
    limit: int = Field(default=DEFAULT_FEED_LIMIT, ge=1, le=MAX_FEED_LIMIT)

    @property
    def filtered(self) -> bool:
        return self.event_type is not None or self.participant is not None


class FeedPage(_Domain):
    """Events oldest first; `position` is where the next page starts (also when `events` is empty)."""

    program_id: str
    events: tuple[StoredEvent, ...]
    position: int
    more: bool
