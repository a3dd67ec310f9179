"""DynamoDB access for the event store: one table, three kinds of items.

    item      PK                      SK                  notable attributes
    event     EVENT#<EventId>         EVENT               the full record + FeedSeq
    feed      FEED#<programId>        SEQ#<seq:012d>      the full record + CreatedSK (LSI ByCreated)
    counter   FEED#<programId>        COUNTER             Seq (last committed), LastCreatedUtc

`CreatedSK` = `<CreatedUtc ISO ms Z>#<seq:012d>`. A publish is one consistent GetItem of the counter
and one TransactWriteItems (event + feed entry + counter advanced on the condition `Seq = n`), so
the feed of a program is committed densely and in sequence order; see docs/event-store.md.

Stream consumers: an INSERT / REMOVE of an item whose SK is `EVENT` is a publish / delete; the feed
and counter items are bookkeeping.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, NoReturn

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from trackhub.config import event_store_settings
from trackhub.errors import Conflict, DependencyUnavailable, NotFound
from trackhub.events.errors import ExtraItemRejected
from trackhub.events.models import EventCategory, FeedQuery, StoredEvent, compact_json
from trackhub.storage.clients import dynamodb_client, table
from trackhub.storage.errors import error_code, unavailable_on_outage
from trackhub.storage.items import iso, to_attribute_values

_WHAT = "the events table"
_CREATED_INDEX = "ByCreated"
_CCF = "ConditionalCheckFailed"
_CONFLICT = "TransactionConflict"
_CAPACITY = {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}


class LostRace(Exception):
    """Another publish advanced the program's counter (or was in flight) first: re-read and retry."""


class Counter(NamedTuple):
    seq: int  # last committed sequence of the program's feed, 0 before the first event
    last_created_utc: datetime | None
    exists: bool


def table_name() -> str:
    return event_store_settings().EVENTS_TABLE_NAME


def _table() -> Any:
    return table(table_name())


# ------------------------------------------------------------------ keys
def event_key(event_id: str) -> dict[str, str]:
    return {"PK": f"EVENT#{event_id}", "SK": "EVENT"}


def feed_pk(program_id: str) -> str:
    return f"FEED#{program_id}"


def seq_sk(seq: int) -> str:
    return f"SEQ#{seq:012d}"


def counter_key(program_id: str) -> dict[str, str]:
    return {"PK": feed_pk(program_id), "SK": "COUNTER"}


def created_sk(created: datetime, seq: int) -> str:
    return f"{iso(created)}#{seq:012d}"


def _seq_of(sort_key: str) -> int:
    return int(sort_key.removeprefix("SEQ#"))


# ------------------------------------------------------------------ item mapping
def _record(event: StoredEvent) -> dict[str, Any]:
    record: dict[str, Any] = {
        "EventId": event.event_id,
        "EventType": event.event_type,
        "PublisherProgramId": event.publisher_program_id,
        "PublisherEventId": event.publisher_event_id,
        "PublisherParticipantId": event.publisher_participant_id,
        # A JSON string, not a map: kept byte-exact (number forms, key order) and free of Decimal.
        "PublisherEventData": compact_json(event.publisher_event_data),
        "EventStartUtc": iso(event.event_start_utc),
        "CreatedUtc": iso(event.created_utc),
        "FeedSeq": event.feed_seq,
    }
    optional: dict[str, Any] = {
        "PublisherSystemId": event.publisher_system_id,
        "PublisherEventCategory": event.publisher_event_category.model_dump()
        if event.publisher_event_category
        else None,
        "EventEndUtc": iso(event.event_end_utc) if event.event_end_utc else None,
        "ReferenceEventId": event.reference_event_id,
    }
    record.update({name: value for name, value in optional.items() if value is not None})
    return record


def event_item(event: StoredEvent) -> dict[str, Any]:
    return {**event_key(event.event_id), **_record(event)}


def feed_item(event: StoredEvent) -> dict[str, Any]:
    return {
        "PK": feed_pk(event.publisher_program_id),
        "SK": seq_sk(event.feed_seq),
        "CreatedSK": created_sk(event.created_utc, event.feed_seq),
        **_record(event),
    }


def _stored(item: dict[str, Any]) -> StoredEvent:
    category = item.get("PublisherEventCategory")
    end = item.get("EventEndUtc")
    return StoredEvent(
        event_id=item["EventId"],
        event_type=item["EventType"],
        publisher_program_id=item["PublisherProgramId"],
        publisher_system_id=item.get("PublisherSystemId"),
        publisher_event_id=item["PublisherEventId"],
        publisher_participant_id=item["PublisherParticipantId"],
        publisher_event_category=EventCategory.model_validate(category) if category else None,
        publisher_event_data=json.loads(item["PublisherEventData"]),
        event_start_utc=datetime.fromisoformat(item["EventStartUtc"]),
        event_end_utc=datetime.fromisoformat(end) if end else None,
        reference_event_id=item.get("ReferenceEventId"),
        created_utc=datetime.fromisoformat(item["CreatedUtc"]),
        feed_seq=int(item["FeedSeq"]),
    )


# ------------------------------------------------------------------ publish
def read_counter(program_id: str) -> Counter:
    """Strongly consistent: the sequence a publish builds on must be the last committed one."""
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=counter_key(program_id), ConsistentRead=True).get("Item")
    return counter_from_item(item)


def counter_from_item(item: dict[str, Any] | None) -> Counter:
    """The counter item as read (None: the program has published nothing yet)."""
    if not item:
        return Counter(seq=0, last_created_utc=None, exists=False)
    last = item.get("LastCreatedUtc")
    return Counter(
        seq=int(item["Seq"]), last_created_utc=datetime.fromisoformat(last) if last else None, exists=True
    )


def _counter_update(event: StoredEvent, previous: Counter) -> dict[str, Any]:
    names = {"#seq": "Seq", "#last": "LastCreatedUtc"}
    values: dict[str, Any] = {":next": event.feed_seq, ":created": iso(event.created_utc)}
    if previous.exists:
        condition = "#seq = :prev"
        values[":prev"] = previous.seq
    else:
        condition = "attribute_not_exists(PK)"
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_attribute_values(counter_key(event.publisher_program_id)),
            "UpdateExpression": "SET #seq = :next, #last = :created",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_attribute_values(values),
        }
    }


def _put_new(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table_name(),
            "Item": to_attribute_values(item),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def commit_new_event(
    event: StoredEvent, previous: Counter, extra_items: Sequence[dict[str, Any]] = ()
) -> None:
    """One transaction: the event, its feed entry, the counter moved from `previous.seq` to `event.feed_seq`,
    and the caller's extra items. Raises Conflict (EventId taken), LostRace, or ExtraItemRejected."""
    commit_new_events([event], previous, extra_items)


def commit_new_events(
    events: Sequence[StoredEvent], previous: Counter, extra_items: Sequence[dict[str, Any]] = ()
) -> None:
    """As commit_new_event for consecutive events of one program (sequences previous.seq + 1, + 2, …):
    every event and feed entry, the counter moved to the last one's sequence, and the extra items -
    all in one transaction, so a state change with several transitions commits whole or not at all."""
    items: list[dict[str, Any]] = []
    for event in events:
        items += [_put_new(event_item(event)), _put_new(feed_item(event))]
    items += [_counter_update(events[-1], previous), *extra_items]
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(
                TransactItems=items,  # type: ignore[arg-type]  # low-level shapes built above
                ClientRequestToken=str(uuid.uuid4()),  # botocore's own retries stay idempotent
            )
        except ClientError as exc:
            _raise_publish_failure(exc, [event.event_id for event in events])


def cancellation_reasons(exc: ClientError) -> list[str]:
    """Per-item codes of a cancelled transaction ("None" for items that were fine)."""
    response: dict[str, Any] = dict(exc.response)
    return [str(reason.get("Code") or "None") for reason in response.get("CancellationReasons") or []]


def _raise_publish_failure(exc: ClientError, event_ids: Sequence[str]) -> NoReturn:
    code = error_code(exc)
    if code == "TransactionConflictException":
        raise LostRace from exc
    if code == "TransactionInProgressException":  # botocore retried while the first try was in flight
        raise DependencyUnavailable(f"{_WHAT} is busy with this request; retry") from exc
    if code != "TransactionCanceledException":
        raise exc
    reasons = cancellation_reasons(exc)
    # Positions: event i's item at 2i, its feed entry at 2i + 1, then the counter, then the extras.
    counter = 2 * len(event_ids)
    taken = [event_ids[i // 2] for i in range(0, counter, 2) if reasons[i : i + 1] == [_CCF]]
    if taken:
        raise Conflict(f"EventId: event {taken[0]!r} already exists") from exc
    feed_and_counter = [reasons[i : i + 1] for i in (*range(1, counter, 2), counter)]
    if [_CCF] in feed_and_counter or _CONFLICT in reasons:
        raise LostRace from exc
    rejected = [i for i, reason in enumerate(reasons[counter + 1 :]) if reason == _CCF]
    if rejected:
        raise ExtraItemRejected(rejected) from exc
    if _CAPACITY.intersection(reasons):
        raise DependencyUnavailable(f"{_WHAT} is temporarily unavailable; retry later") from exc
    if "ItemCollectionSizeLimitExceeded" in reasons:
        raise DependencyUnavailable("this program's feed has reached its storage limit") from exc
    raise exc


# ------------------------------------------------------------------ read / delete
def get_event(event_id: str) -> StoredEvent | None:
    # Strongly consistent: GET on the Location a publish just returned must find the event.
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=event_key(event_id), ConsistentRead=True).get("Item")
    return _stored(item) if item else None


def delete_event(event: StoredEvent) -> None:
    """Remove the event and its feed entry together; NotFound when it is already gone."""
    items = [
        {
            "Delete": {
                "TableName": table_name(),
                "Key": to_attribute_values(event_key(event.event_id)),
                "ConditionExpression": "attribute_exists(PK)",
            }
        },
        {
            "Delete": {
                "TableName": table_name(),
                "Key": to_attribute_values(
                    {"PK": feed_pk(event.publisher_program_id), "SK": seq_sk(event.feed_seq)}
                ),
                # Never remove another event's feed entry; tolerate an already missing one.
                "ConditionExpression": "attribute_not_exists(PK) OR EventId = :id",
                "ExpressionAttributeValues": to_attribute_values({":id": event.event_id}),
            }
        },
    ]
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as exc:
            reasons = cancellation_reasons(exc)
            if error_code(exc) == "TransactionCanceledException" and reasons[:1] == [_CCF]:
                raise NotFound(f"event {event.event_id!r} not found") from exc
            if _CONFLICT in reasons or error_code(exc) == "TransactionConflictException":
                raise DependencyUnavailable("the event is being changed concurrently; retry") from exc
            raise


def query_feed(query: FeedQuery, committed: Counter) -> tuple[list[StoredEvent], int | None]:
    """One Query of a program's feed in sequence order (ConsistentRead, never a Scan), bounded above
    by `committed`, the counter read before it.

    Every sequence up to `committed` had committed before the Query began, so within that bound the
    Query sees a gap-free prefix of the feed even though DynamoDB reads are read-committed rather
    than snapshots: an event committing while the Query runs is beyond the bound and is left for the
    next page. Returns the events that passed the filters and the sequence of the last item
    DynamoDB evaluated when it stopped early (LastEvaluatedKey), else None.
    """
    kwargs: dict[str, Any] = {"ConsistentRead": True, "Limit": query.limit}
    pk = Key("PK").eq(feed_pk(query.program_id))
    if query.after_seq is None and query.since is not None:
        # CreatedUtc never decreases along the sequence, so "created at or after since" is a suffix
        # of the feed and the index returns it in sequence order too.
        upper = created_sk(committed.last_created_utc, committed.seq) if committed.last_created_utc else ""
        if upper < iso(query.since):  # `since` lies after the newest event: nothing to read yet
            return [], None
        kwargs["IndexName"] = _CREATED_INDEX
        kwargs["KeyConditionExpression"] = pk & Key("CreatedSK").between(iso(query.since), upper)
    else:
        after = query.after_seq or 0
        kwargs["KeyConditionExpression"] = pk & Key("SK").between(seq_sk(after + 1), seq_sk(committed.seq))
    condition: ConditionBase | None = None
    if query.event_type is not None:
        condition = Attr("EventType").eq(query.event_type)
    if query.participant is not None:
        by_participant = Attr("PublisherParticipantId").eq(query.participant)
        condition = by_participant if condition is None else condition & by_participant
    if condition is not None:
        kwargs["FilterExpression"] = condition
    with unavailable_on_outage(_WHAT):
        page = _table().query(**kwargs)
    last = page.get("LastEvaluatedKey")
    return [_stored(item) for item in page.get("Items", [])], _seq_of(str(last["SK"])) if last else None
