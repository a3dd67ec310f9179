"""Session starts as events, through CollectorTable's stream (the outbox of `repository.commit_start`).

A start writes the (player, code) counter in its transaction; the stream consumer turns each increase
of `sessions` into one COLLECTOR_SESSION_STARTED event per new session number. Delivery is at least
once: the EventId is derived from (account, player, code, session), so a record processed twice hits
the event store's Conflict and counts as already published.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit
from boto3.dynamodb.types import TypeDeserializer

from trackhub.collector.models import PlayerType, event_participant
from trackhub.errors import Conflict
from trackhub.events import service as events
from trackhub.events.models import NewEvent
from trackhub.observability import logger, metrics
from trackhub.storage.items import iso
from trackhub.tenancy.models import hub_programs_of

SESSION_STARTED_EVENT_TYPE = "COLLECTOR_SESSION_STARTED"
# Fixed forever: changing it would give already published sessions new EventIds (duplicates).
_EVENT_ID_NAMESPACE = uuid.UUID("5b0e7c2a-3f4d-4c1e-9a8b-6d2f1e0c7b35")
_MAX_IDENTIFIER = 200
_deserializer = TypeDeserializer()


class SessionStarts(NamedTuple):
    """What one counter change says: sessions (old, new] of a player on a tracking code started."""

    account_id: str
    player_type: PlayerType
    player_id: str
    tracking_code: str
    old: int
    new: int
    gameplay_id: str | None
    first_session_started: datetime | None
    last_session_started: datetime | None

    @property
    def numbers(self) -> range:
        return range(self.old + 1, self.new + 1)

    def started(self, session: int, fallback: datetime) -> datetime:
        """Session 1 started at firstSessionStarted; the counter keeps only the latest other start,
        which for sessions coalesced into one change is when the last of them started (an upper bound)."""
        if session == 1 and self.first_session_started is not None:
            return self.first_session_started
        return self.last_session_started or self.first_session_started or fallback


def _image(change: Mapping[str, Any], name: str) -> dict[str, Any]:
    raw = change.get(name) or {}
    return {key: _deserializer.deserialize(value) for key, value in raw.items()}


def _count(image: Mapping[str, Any]) -> int:
    value = image.get("sessions")
    return int(value) if isinstance(value, Decimal | int) else 0


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def session_starts(record: Mapping[str, Any]) -> SessionStarts | None:
    """The sessions a stream record starts; None when it is no counter increase (or not a counter)."""
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    change = record.get("dynamodb") or {}
    keys = _image(change, "Keys")
    pk, sk = str(keys.get("PK", "")), str(keys.get("SK", ""))
    # PLAYER#<accountId>#<type>#<playerId>: account ids and types hold no '#'; a player id may.
    parts = pk.split("#", 3)
    if len(parts) != 4 or parts[0] != "PLAYER" or not sk.startswith("CODE#"):
        return None
    _, account_id, type_value, player_id = parts
    if type_value not in {t.value for t in PlayerType} or not player_id or not account_id:
        logger.error("collector counter with an unexpected key skipped", extra={"pk": pk, "sk": sk})
        return None
    new_image, old_image = _image(change, "NewImage"), _image(change, "OldImage")
    new, old = _count(new_image), _count(old_image)
    if new <= old:
        return None
    gameplay = new_image.get("gameplayId")
    return SessionStarts(
        account_id=account_id,
        player_type=PlayerType(type_value),
        player_id=player_id,
        tracking_code=sk.removeprefix("CODE#"),
        old=old,
        new=new,
        gameplay_id=gameplay if isinstance(gameplay, str) else None,
        first_session_started=_time(new_image.get("firstSessionStarted")),
        last_session_started=_time(new_image.get("lastSessionStarted")),
    )


def event_id(program_id: str, starts: SessionStarts, session: int) -> str:
    """Deterministic: the same session of the same player on the same code always gets this id."""
    name = "|".join(
        (starts.account_id, starts.player_type.value, starts.player_id, starts.tracking_code, str(session))
    )
    return f"{program_id}-{uuid.uuid5(_EVENT_ID_NAMESPACE, name)}"


def publisher_event_id(starts: SessionStarts, session: int) -> str:
    participant = event_participant(starts.player_type, starts.player_id)
    return f"SESSION:{starts.tracking_code}:{participant}:{session}"[:_MAX_IDENTIFIER]


def session_event(starts: SessionStarts, session: int, *, fallback_time: datetime) -> NewEvent:
    program = hub_programs_of(starts.account_id).collector
    data: dict[str, Any] = {
        "trackingCode": starts.tracking_code,
        "participant": event_participant(starts.player_type, starts.player_id),
        "playerType": starts.player_type.value,
        "session": session,
    }
    if starts.gameplay_id is not None:
        data["gameplayId"] = starts.gameplay_id
    if starts.first_session_started is not None:
        data["firstSessionStarted"] = iso(starts.first_session_started)
    return NewEvent(
        event_id=event_id(program, starts, session),
        event_type=SESSION_STARTED_EVENT_TYPE,
        publisher_program_id=program,
        publisher_event_id=publisher_event_id(starts, session),
        publisher_participant_id=event_participant(starts.player_type, starts.player_id),
        publisher_event_data=data,
        event_start_utc=starts.started(session, fallback_time),
    )


def _record_time(record: Mapping[str, Any]) -> datetime:
    approximate = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
    if isinstance(approximate, int | float | Decimal):
        return datetime.fromtimestamp(float(approximate), tz=UTC)
    return datetime.now(UTC)


def publish_session_starts(record: Mapping[str, Any]) -> int:
    """Publish the record's session starts; the number newly published (0 for a re-processed record).

    Raises what publish raises for an outage or contention, so the stream retries the record.
    """
    starts = session_starts(record)
    if starts is None:
        return 0
    published = 0
    for session in starts.numbers:
        event = session_event(starts, session, fallback_time=_record_time(record))
        try:
            events.publish(event)
        except Conflict:
            logger.debug("session event already published", extra={"event_id": event.event_id})
            continue
        published += 1
    if published:
        metrics.add_metric(name="CollectorSessionEventsPublished", unit=MetricUnit.Count, value=published)
    return published
