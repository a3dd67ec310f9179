"""What the read routes answer (GET /events/{eventId}, the feeds) and the feed's query parameters."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from trackhub.auth.scopes import PROGRAM_ID_RE
from trackhub.base_model import HubModel
from trackhub.errors import InvalidInput
from trackhub.events import cursor
from trackhub.events.api_models import PROGRAM_ID_HINT
from trackhub.events.models import FeedPage, FeedQuery, StoredEvent
from trackhub.storage.items import iso, parse_utc


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
        raise InvalidInput(f"{field}: must be a program id ({PROGRAM_ID_HINT})")
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
