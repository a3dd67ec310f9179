"""Session starts become COLLECTOR_SESSION_STARTED events through CollectorTable's stream (the outbox)."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
from collector_support import Acme, start
from hubtest.functions import LambdaContext, load_function
from hubtest.streams import mapped_records

from trackhub.collector import session_events
from trackhub.collector.models import PlayerType, event_participant
from trackhub.errors import DependencyUnavailable
from trackhub.events import repository as events_repository
from trackhub.events.models import FeedQuery, StoredEvent
from trackhub.storage.items import iso

FUNCTION = "CollectorSessionEventsFunction"


def _counter_records() -> list[dict[str, Any]]:
    return mapped_records(os.environ["COLLECTOR_TABLE_NAME"], FUNCTION)


def _run(records: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = load_function("collector_session_events").lambda_handler(
        {"Records": records}, LambdaContext(function_name="collector_session_events")
    )
    return result


def _feed(program: str) -> list[StoredEvent]:
    query = FeedQuery(program_id=program, limit=100)
    events, _ = events_repository.query_feed(query, events_repository.read_counter(program))
    return [e for e in events if e.event_type == session_events.SESSION_STARTED_EVENT_TYPE]


def _sessions(program: str) -> list[int]:
    return sorted(int(e.publisher_event_data["session"]) for e in _feed(program))


def test_a_start_becomes_one_session_event_in_the_hub_collector_feed(acme: Acme) -> None:
    # Given a new anonymous player's first start
    started = start(acme.open_code).json
    # When the counter's stream record (the only one the filter lets through) is processed
    records = _counter_records()
    assert [r["eventName"] for r in records] == ["INSERT"]
    assert _run(records) == {"batchItemFailures": []}
    # Then the hub collector program's feed holds exactly one session event, for that session
    (event,) = _feed(acme.collector_program)
    assert event.publisher_program_id == acme.collector_program
    assert event.event_id.startswith(f"{acme.collector_program}-")
    pseudonym = event_participant(PlayerType.ANONYMOUS, started["playerId"])
    assert event.publisher_participant_id == pseudonym and pseudonym.startswith("anonymous:")
    assert started["playerId"] not in pseudonym
    assert event.publisher_event_id == f"SESSION:{acme.open_code}:{pseudonym}:1"
    assert event.publisher_event_data["trackingCode"] == acme.open_code
    assert event.publisher_event_data["participant"] == pseudonym
    assert started["playerId"] not in json.dumps(event.publisher_event_data)
    assert event.publisher_event_data["playerType"] == "anonymous"
    assert event.publisher_event_data["session"] == 1
    assert iso(event.event_start_utc) == started["currentSessionStarted"]


def test_reprocessing_a_record_publishes_nothing_new(acme: Acme) -> None:
    # Given a start whose record was processed once
    start(acme.open_code)
    records = _counter_records()
    _run(records)
    # When the stream hands the same record over again (at least once delivery)
    result = _run(records)
    # Then it succeeds and the feed still holds one event
    assert result == {"batchItemFailures": []}
    assert len(_feed(acme.collector_program)) == 1


def test_a_counter_jump_publishes_one_event_per_session(acme: Acme) -> None:
    # Given a player with three starts; the first record processed
    first = start(acme.open_code).json
    for _ in range(2):
        start(acme.open_code, body={"anonymous": first["playerId"]})
    insert, second, third = _counter_records()
    _run([insert])
    # When one record carries the counter from 1 to 3 (two starts in one change)
    jump = copy.deepcopy(third)
    jump["dynamodb"]["OldImage"] = second["dynamodb"]["OldImage"]
    assert _run([jump]) == {"batchItemFailures": []}
    # Then sessions 2 and 3 were both published
    assert _sessions(acme.collector_program) == [1, 2, 3]
    # And the individual records of those starts add nothing
    assert _run([second, third]) == {"batchItemFailures": []}
    assert _sessions(acme.collector_program) == [1, 2, 3]


def test_writes_that_start_no_session_publish_nothing(acme: Acme) -> None:
    # Given a counter record whose count did not increase (e.g. another attribute changed)
    start(acme.open_code)
    (insert,) = _counter_records()
    same = copy.deepcopy(insert)
    same["eventName"] = "MODIFY"
    same["dynamodb"]["OldImage"] = same["dynamodb"]["NewImage"]
    # When it is processed
    assert _run([same]) == {"batchItemFailures": []}
    # Then no event is published
    assert _feed(acme.collector_program) == []


def test_a_failed_publish_is_reported_for_retry_never_dropped(acme: Acme) -> None:
    # Given the event store is unavailable
    start(acme.open_code)
    (record,) = _counter_records()

    def unavailable(*_: Any, **__: Any) -> Any:
        raise DependencyUnavailable("the events table is unavailable")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(session_events.events, "publish", unavailable)
        # When the record is processed
        result = _run([record])
    # Then the record is reported as failed (the stream retries it) and nothing was published
    assert result == {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    assert _feed(acme.collector_program) == []
    # And once the store is back, the retried record publishes its event
    assert _run([record]) == {"batchItemFailures": []}
    assert len(_feed(acme.collector_program)) == 1
