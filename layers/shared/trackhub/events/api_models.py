"""Event store wire shapes (PascalCase, as the Learning Hub documents them), mapped to the domain explicitly.

Unknown top-level fields are refused with a 400 naming them (a misspelt optional field would
otherwise vanish silently). `EventStartUTC` / `EventEndUTC`, the casing of older Learning Hub pages,
are accepted as aliases of `EventStartUtc` / `EventEndUtc`; sending both spellings of one is a 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, ConfigDict, Field, ValidationInfo, field_validator

from trackhub.auth.scopes import PROGRAM_ID_RE
from trackhub.base_model import HubModel
from trackhub.errors import InvalidInput
from trackhub.events import cursor
from trackhub.events.models import (
    CategoryLabel,
    CategoryValue,
    EventCategory,
    EventData,
    EventTypeName,
    FeedPage,
    FeedQuery,
    Identifier,
    NewEvent,
    ProgramId,
    StoredEvent,
    SystemId,
    UtcTimestamp,
    check_end,
    check_event_id,
    parse_utc,
)
from trackhub.storage.items import iso

_PROGRAM_ID_RE_HINT = "1-25 letters, digits, '_', '.' or '-', starting with a letter or digit"


class CategoryIn(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: CategoryValue
    label: CategoryLabel


class PublishEventRequest(HubModel):
    """POST /events body. Field order matters: cross-field checks read the fields declared before them."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    EventType: EventTypeName
    PublisherProgramId: ProgramId = Field(description=_PROGRAM_ID_RE_HINT)
    EventId: str | None = Field(
        default=None,
        max_length=62,
        description="<PublisherProgramId>-<UUID>; assigned by the hub when omitted.",
    )
    PublisherSystemId: SystemId | None = None
    PublisherEventId: Identifier
    PublisherParticipantId: Identifier
    PublisherEventCategory: CategoryIn | None = None
    PublisherEventData: EventData = Field(description="A JSON object; its compact JSON is at most 256 KiB.")
    EventStartUtc: UtcTimestamp = Field(validation_alias=AliasChoices("EventStartUtc", "EventStartUTC"))
    EventEndUtc: UtcTimestamp | None = Field(
        default=None, validation_alias=AliasChoices("EventEndUtc", "EventEndUTC")
    )
    ReferenceEventId: Identifier | None = None

    @field_validator("EventId")
    @classmethod
    def _event_id_of_program(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else check_event_id(value, info.data.get("PublisherProgramId"))

    @field_validator("EventEndUtc")
    @classmethod
    def _end_not_before_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return check_end(info.data.get("EventStartUtc"), value)

    def to_domain(self) -> NewEvent:
        category = self.PublisherEventCategory
        return NewEvent(
            event_id=self.EventId,
            event_type=self.EventType,
            publisher_program_id=self.PublisherProgramId,
            publisher_system_id=self.PublisherSystemId,
            publisher_event_id=self.PublisherEventId,
            publisher_participant_id=self.PublisherParticipantId,
            publisher_event_category=EventCategory(value=category.value, label=category.label)
            if category
            else None,
            publisher_event_data=self.PublisherEventData,
            event_start_utc=self.EventStartUtc,
            event_end_utc=self.EventEndUtc,
            reference_event_id=self.ReferenceEventId,
        )


class CategoryOut(HubModel):
    value: str
    label: str


class EventOut(HubModel):
    """The full record on the wire; absent optional fields are null."""

    EventId: str
    EventType: str
    PublisherProgramId: str
    PublisherSystemId: str | None
    PublisherEventId: str
    PublisherParticipantId: str
    PublisherEventCategory: CategoryOut | None
    PublisherEventData: dict[str, Any]
    EventStartUtc: str
    EventEndUtc: str | None
    ReferenceEventId: str | None
    CreatedUtc: str

    @classmethod
    def of(cls, event: StoredEvent) -> EventOut:
        category = event.publisher_event_category
        return cls(
            EventId=event.event_id,
            EventType=event.event_type,
            PublisherProgramId=event.publisher_program_id,
            PublisherSystemId=event.publisher_system_id,
            PublisherEventId=event.publisher_event_id,
            PublisherParticipantId=event.publisher_participant_id,
            PublisherEventCategory=CategoryOut(value=category.value, label=category.label)
            if category
            else None,
            PublisherEventData=event.publisher_event_data,
            EventStartUtc=iso(event.event_start_utc),
            EventEndUtc=iso(event.event_end_utc) if event.event_end_utc else None,
            ReferenceEventId=event.reference_event_id,
            CreatedUtc=iso(event.created_utc),
        )


class FeedOut(HubModel):
    events: list[EventOut] = Field(description="Oldest first.")
    cursor: str = Field(description="Opaque; pass it back as ?cursor= to continue exactly after this page.")
    more: bool = Field(description="True when the feed was not read to its end: ask again at once.")

    @classmethod
    def of(cls, page: FeedPage) -> FeedOut:
        return cls(
            events=[EventOut.of(e) for e in page.events],
            cursor=cursor.encode(page.program_id, page.position),
            more=page.more,
        )


def feed_headers(page: FeedPage) -> dict[str, str]:
    """Paging for the bare-array alias, whose body has no room for it."""
    return {
        "X-Cursor": cursor.encode(page.program_id, page.position),
        "X-More": "true" if page.more else "false",
    }


def feed_query(
    program_id: str,
    *,
    field: str,
    since: str | None,
    event_type: str | None,
    participant: str | None,
    limit: int,
    cursor_token: str | None,
) -> FeedQuery:
    """Build a FeedQuery from query-string values, naming the parameter in every 400.

    `field` names the program parameter (`program` on /events, `id` on the alias path).
    """
    if not PROGRAM_ID_RE.match(program_id):
        raise InvalidInput(f"{field}: must be a program id ({_PROGRAM_ID_RE_HINT})")
    after_seq = cursor.decode(cursor_token, program_id) if cursor_token is not None else None
    since_at = None
    if since is not None and after_seq is None:
        try:
            # A '+' of an offset arrives as a space when the caller did not percent-encode it.
            since_at = parse_utc(since.strip().replace(" ", "+"), round_up=True)
        except ValueError as exc:
            raise InvalidInput(f"since: {exc}") from None
    return FeedQuery(
        program_id=program_id,
        after_seq=after_seq,
        since=since_at,
        event_type=event_type,
        participant=participant,
        limit=limit,
    )
