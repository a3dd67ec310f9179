"""Event store rules: publishing in feed order, reading a feed without ever skipping, get and delete.

`publish` is the hub's own entry point (web tracking and the collector publish under the account's hub
programs with it, in the same transaction as their state change); the `*_as` functions are what the
HTTP endpoints call for a caller identified by a Principal.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.auth.authorize import check_publish, require_publish, require_read
from trackhub.auth.principal import Principal
from trackhub.config import event_store_settings
from trackhub.errors import DependencyUnavailable, Forbidden, NotFound, PayloadTooLarge
from trackhub.events import repository
from trackhub.events.errors import ExtraItemRejected
from trackhub.events.models import (
    MAX_EVENT_DATA_BYTES,
    FeedPage,
    FeedQuery,
    NewEvent,
    StoredEvent,
    data_size,
    normalize_event_id,
)
from trackhub.observability import logger, metrics
from trackhub.storage.batch import get_across
from trackhub.storage.items import parse_utc, utc_now
from trackhub.tenancy import repository as tenancy

__all__ = ["ExtraItemRejected", "delete_as", "get_as", "publish", "publish_all", "publish_as", "read_feed_as"]

# 16 attempts with waits capped at 0.5 s stay well inside the function's 10 s timeout.
_BACKOFF_CAP_SECONDS = 0.5
sleep: Callable[[float], None] = time.sleep  # replaced in tests


def _backoff(attempt: int) -> float:
    """Full jitter: uniform in [0, base * 2^attempt], capped."""
    base = event_store_settings().EVENTS_PUBLISH_BACKOFF_MS / 1000
    return random.uniform(0, min(_BACKOFF_CAP_SECONDS, base * 2**attempt))  # noqa: S311 - not security


# ------------------------------------------------------------------ publish
def publish(
    event: NewEvent,
    *,
    extra_transact_items: Sequence[dict[str, Any]] = (),
    counter: repository.Counter | None = None,
) -> StoredEvent:
    """Commit `event` as the next entry of its program's feed (no authorization: callers check).

    `extra_transact_items` (low-level TransactWriteItems entries, at most 97, none touching the
    events table's items for this event) commit in the same transaction, so a state change and its
    event appear together or not at all. Raises PayloadTooLarge, Conflict (EventId exists),
    ExtraItemRejected (an extra item's condition failed) or DependencyUnavailable (contention
    outlasted the retries, or the table is unavailable). `counter`: the feed counter when the caller
    has just read it (consistently), saving the first attempt its read.
    """
    return publish_all([event], extra_transact_items=extra_transact_items, counter=counter)[0]


def publish_all(
    events: Sequence[NewEvent],
    *,
    extra_transact_items: Sequence[dict[str, Any]] = (),
    counter: repository.Counter | None = None,
) -> list[StoredEvent]:
    """As `publish`, for several events of one program committed in one transaction as consecutive
    feed entries, in the order given (a state change that is several transitions at once). Together
    with the extra items they take at most 99 transaction entries (two per event, one counter)."""
    if not events:
        raise ValueError("publish_all needs at least one event")
    program_id = events[0].publisher_program_id
    if any(e.publisher_program_id != program_id for e in events):
        raise ValueError("publish_all commits the events of one program only")
    for event in events:
        size = data_size(event.publisher_event_data)
        if size > MAX_EVENT_DATA_BYTES:
            raise PayloadTooLarge(
                f"PublisherEventData: its compact JSON is {size} bytes; "
                f"the limit is {MAX_EVENT_DATA_BYTES} bytes"
            )
    event_ids = [event.event_id or f"{program_id}-{uuid.uuid4()}" for event in events]
    attempts = event_store_settings().EVENTS_PUBLISH_MAX_ATTEMPTS
    for attempt in range(attempts):
        if attempt:
            sleep(_backoff(attempt))
        if counter is None or attempt:
            counter = repository.read_counter(program_id)
        now = parse_utc(utc_now())
        # CreatedUtc never decreases along the feed, whatever the clocks of concurrent writers say.
        created = max(now, counter.last_created_utc) if counter.last_created_utc else now
        stored = [
            _stored(event, event_id, created, counter.seq + 1 + i)
            for i, (event, event_id) in enumerate(zip(events, event_ids, strict=True))
        ]
        try:
            repository.commit_new_events(stored, counter, extra_transact_items)
        except repository.LostRace:
            logger.debug("publish lost the race for the feed counter", extra={"attempt": attempt + 1})
            continue
        metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=len(stored))
        for one in stored:
            logger.info("event published", extra={"event_id": one.event_id, "feed_seq": one.feed_seq})
        return stored
    logger.warning("publish gave up under contention", extra={"program_id": program_id, "attempts": attempts})
    raise DependencyUnavailable(f"program {program_id!r} is busy publishing other events; retry")


def _stored(event: NewEvent, event_id: str, created: datetime, seq: int) -> StoredEvent:
    return StoredEvent(
        event_id=event_id,
        event_type=event.event_type,
        publisher_program_id=event.publisher_program_id,
        publisher_system_id=event.publisher_system_id,
        publisher_event_id=event.publisher_event_id,
        publisher_participant_id=event.publisher_participant_id,
        publisher_event_category=event.publisher_event_category,
        publisher_event_data=event.publisher_event_data,
        event_start_utc=event.event_start_utc,
        event_end_utc=event.event_end_utc,
        reference_event_id=event.reference_event_id,
        created_utc=created,
        feed_seq=seq,
    )


def publish_as(principal: Principal, event: NewEvent) -> StoredEvent:
    """POST /events: the key must have the publish right on PublisherProgramId (403 otherwise).

    The program (tenancy table) and the feed counter (events table) are read in one BatchGetItem:
    a publish is three calls (key, program + counter, transaction)."""
    program_id = event.publisher_program_id
    found = get_across(
        {
            tenancy.table_name(): [tenancy.program_key(program_id)],
            repository.table_name(): [repository.counter_key(program_id)],
        },
        what="the hub's tables",
    )
    programs = found[tenancy.table_name()]
    check_publish(principal, program_id, tenancy.program_from_item(programs[0]) if programs else None)
    counters = found[repository.table_name()]
    return publish(event, counter=repository.counter_from_item(counters[0] if counters else None))


# ------------------------------------------------------------------ get / delete
def _not_found(event_id: str) -> NotFound:
    return NotFound(f"event {event_id!r} not found")


def _existing(event_id: str) -> StoredEvent:
    normalized = normalize_event_id(event_id)
    event = repository.get_event(normalized) if normalized else None
    if event is None:
        raise _not_found(event_id)
    return event


def _holds(check: Callable[[Principal, str], object], principal: Principal, program_id: str) -> bool:
    try:
        check(principal, program_id)
    except Forbidden:
        return False
    return True


def get_as(principal: Principal, event_id: str) -> StoredEvent:
    """Owner or subscriber (read right on the event's program). A caller with no right at all on
    that program gets the same 404 as for a missing event, so existence does not leak; one that may
    publish but not read gets 403."""
    event = _existing(event_id)
    try:
        require_read(principal, event.publisher_program_id)
    except Forbidden:
        if _holds(require_publish, principal, event.publisher_program_id):
            raise
        raise _not_found(event_id) from None
    return event


def delete_as(principal: Principal, event_id: str) -> StoredEvent:
    """The owning program's publish right deletes; a reader (e.g. a subscriber) gets 403, anyone else 404."""
    event = _existing(event_id)
    try:
        require_publish(principal, event.publisher_program_id)
    except Forbidden:
        if _holds(require_read, principal, event.publisher_program_id):
            raise
        raise _not_found(event_id) from None
    repository.delete_event(event)
    logger.info("event deleted", extra={"event_id": event.event_id, "feed_seq": event.feed_seq})
    return event


# ------------------------------------------------------------------ feed
def read_feed_as(principal: Principal, query: FeedQuery) -> FeedPage:
    """One page of a program's feed for its owner or a subscriber (403 otherwise).

    The program's counter is read first and bounds the Query: every sequence up to it had
    committed before the Query started, so the page is a gap-free stretch of the feed (see
    repository.query_feed). The returned position is where the next page starts: the last item
    DynamoDB evaluated when it stopped early, else the counter — so a poller resumes exactly there,
    never re-reads, never skips, and is not made to re-scan events its filters dropped.
    """
    require_read(principal, query.program_id)
    committed = repository.read_counter(query.program_id)
    floor = query.after_seq or 0
    if committed.seq <= floor:  # nothing new: an idle poller costs no feed Query
        return FeedPage(program_id=query.program_id, events=(), position=floor, more=False)
    events, last_evaluated = repository.query_feed(query, committed)
    if last_evaluated is not None:
        return FeedPage(program_id=query.program_id, events=tuple(events), position=last_evaluated, more=True)
    return FeedPage(program_id=query.program_id, events=tuple(events), position=committed.seq, more=False)
