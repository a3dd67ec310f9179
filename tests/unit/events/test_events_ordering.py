"""The feed's ordering guarantees and the hub's own publish entry point.

moto's backend is not thread-safe, so real concurrency cannot be exercised in-process. Instead a
botocore hook runs a rival writer (or forces a conflict) between a publish's counter read and its
transaction, deterministically, and the tests check the outcome: the loser re-reads and commits the
next sequence, sequences stay dense, CreatedUtc never decreases, contention beyond the retry budget
is a clean 503 with nothing written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from events_support import Hub, World, event_body, events_items
from hubtest.apigw import basic
from pydantic import ValidationError

from trackhub.config import reset_settings
from trackhub.errors import Conflict, DependencyUnavailable, PayloadTooLarge
from trackhub.events import repository, service
from trackhub.events.errors import ExtraItemRejected
from trackhub.events.models import NewEvent
from trackhub.storage.clients import dynamodb_client
from trackhub.tenancy import service as tenancy

TRANSACT = "before-call.dynamodb.TransactWriteItems"


def new_event(**overrides: Any) -> NewEvent:
    fields: dict[str, Any] = {
        "event_type": "AI_COMP_SUCCESS",
        "publisher_program_id": "PUB",
        "publisher_event_id": "AI:1",
        "publisher_participant_id": "ann@example.com",
        "publisher_event_data": {"n": 1},
        "event_start_utc": "2024-05-01T12:00:00Z",
    }
    return NewEvent(**(fields | overrides))


def on_transaction(hook: Callable[..., Any]) -> None:
    dynamodb_client().meta.events.register(TRANSACT, hook)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(service, "sleep", recorded.append)
    return recorded


def feed_items(names: dict[str, str]) -> list[dict[str, Any]]:
    items = [item for item in events_items(names) if str(item["SK"]).startswith("SEQ#")]
    return sorted(items, key=lambda item: int(item["FeedSeq"]))


def assert_dense_and_monotonic(names: dict[str, str]) -> list[dict[str, Any]]:
    items = feed_items(names)
    assert [int(item["FeedSeq"]) for item in items] == list(range(1, len(items) + 1))
    created = [item["CreatedUtc"] for item in items]
    assert created == sorted(created)
    assert all(item["SK"] == f"SEQ#{int(item['FeedSeq']):012d}" for item in items)
    assert all(item["CreatedSK"] == f"{item['CreatedUtc']}#{int(item['FeedSeq']):012d}" for item in items)
    return items


# ------------------------------------------------------------------ lost races
def test_a_publish_that_loses_the_race_rereads_the_counter_and_commits_the_next_sequence(
    hub: Hub, world: World, events_store: dict[str, str], sleeps: list[float]
) -> None:
    # Given a rival that commits an event between our counter read and our transaction
    state: dict[str, str | None] = {"rival": None}

    def rival(**_: Any) -> None:
        if state["rival"] is None:
            state["rival"] = "running"
            state["rival"] = service.publish(new_event(publisher_event_id="rival")).event_id

    on_transaction(rival)
    # When we publish over HTTP
    reply = hub.publish(event_body(PublisherEventId="mine"), world.owner.auth)
    # Then we still succeed, after one backoff, as the next sequence after the rival's
    assert reply.status == 201, reply.body
    assert len(sleeps) == 1
    feed = hub.feed(world.owner.auth, program="PUB").json["events"]
    assert [e["PublisherEventId"] for e in feed] == ["rival", "mine"]
    items = assert_dense_and_monotonic(events_store)
    assert [item["EventId"] for item in items] == [state["rival"], feed[1]["EventId"]]


def test_a_transaction_conflict_is_retried(
    world: World, events_store: dict[str, str], sleeps: list[float]
) -> None:
    # Given DynamoDB cancels the first transaction for a conflict with another in-flight transaction
    calls: list[int] = []

    def conflict(**_: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            return None
        parsed = {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": [{"Code": "None"}, {"Code": "None"}, {"Code": "TransactionConflict"}],
        }
        return SimpleNamespace(status_code=400, headers={}), parsed

    on_transaction(conflict)
    # When an event is published
    stored = service.publish(new_event())
    # Then the second attempt commits it as sequence 1
    assert len(calls) == 2 and len(sleeps) == 1
    assert stored.feed_seq == 1
    assert_dense_and_monotonic(events_store)


def test_contention_beyond_the_retry_budget_is_a_clean_503_and_nothing_is_written(
    hub: Hub,
    world: World,
    events_store: dict[str, str],
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given three attempts at most, and a counter that moves before every one of our transactions
    monkeypatch.setenv("EVENTS_PUBLISH_MAX_ATTEMPTS", "3")
    reset_settings()
    key = repository.counter_key("PUB")

    def advance(**_: Any) -> None:
        dynamodb_client().update_item(
            TableName=events_store["EventsTable"],
            Key={name: {"S": value} for name, value in key.items()},
            UpdateExpression="ADD Seq :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    on_transaction(advance)
    # When we publish
    reply = hub.publish(event_body(), world.owner.auth)
    # Then it is a 503 asking to retry, after three attempts and two backoffs
    assert reply.status == 503, reply.body
    assert reply.json["code"] == "unavailable"
    assert "busy" in reply.json["message"] and "retry" in reply.json["message"]
    assert reply.headers.get("Retry-After") == "1"
    assert len(sleeps) == 2
    # And no event or feed item was written (only the rival's counter moved)
    assert [item["SK"] for item in events_items(events_store)] == ["COUNTER"]


def test_backoff_is_jittered_capped_and_grows(
    monkeypatch: pytest.MonkeyPatch, events_store: dict[str, str]
) -> None:
    monkeypatch.setenv("EVENTS_PUBLISH_BACKOFF_MS", "20")
    reset_settings()
    samples = {attempt: [service._backoff(attempt) for _ in range(200)] for attempt in (1, 3, 10)}
    assert all(0 <= s <= 0.04 for s in samples[1])
    assert all(0 <= s <= 0.16 for s in samples[3])
    assert all(0 <= s <= 0.5 for s in samples[10])
    assert len(set(samples[3])) > 100  # jittered, not a fixed delay
    assert max(samples[10]) > 0.25


def test_many_publishes_under_interleaved_rivals_and_a_wobbling_clock_stay_dense_and_ordered(
    world: World, events_store: dict[str, str], sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a clock that sometimes goes backwards and a rival on every other transaction
    base = datetime(2024, 3, 1, tzinfo=UTC)
    ticks = iter(base + timedelta(milliseconds=offset) for offset in [0, 5, 3, 9, 1, 12, 12, 7, 20, 2] * 10)
    monkeypatch.setattr(service, "utc_now", lambda: next(ticks))
    state = {"calls": 0, "inside": False}

    def rival(**_: Any) -> None:
        if state["inside"]:
            return  # the rival's own transaction
        state["calls"] += 1
        if state["calls"] % 2:
            return
        state["inside"] = True
        try:
            service.publish(new_event(publisher_event_id=f"rival-{state['calls']}"))
        finally:
            state["inside"] = False

    on_transaction(rival)
    # When ten events are published
    mine = [service.publish(new_event(publisher_event_id=f"mine-{n}")) for n in range(10)]
    # Then every event (ours and the rivals') has its own gapless sequence; CreatedUtc never decreases
    items = assert_dense_and_monotonic(events_store)
    assert len(items) > 10 and sleeps
    assert [s.feed_seq for s in mine] == sorted(s.feed_seq for s in mine)


def test_created_utc_never_goes_back_even_when_a_writer_clock_is_behind(
    world: World, events_store: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a writer whose clock is an hour behind the previous one
    times = iter([datetime(2024, 3, 1, 12, tzinfo=UTC), datetime(2024, 3, 1, 11, tzinfo=UTC)])
    monkeypatch.setattr(service, "utc_now", lambda: next(times))
    first = service.publish(new_event())
    second = service.publish(new_event())
    # Then the later event takes the earlier one's CreatedUtc, not its own clock's
    assert second.created_utc == first.created_utc == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert (first.feed_seq, second.feed_seq) == (1, 2)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["ConditionalCheckFailed", "None", "None"], Conflict),
        (["ConditionalCheckFailed", "None", "ConditionalCheckFailed"], Conflict),
        (["None", "None", "ConditionalCheckFailed"], repository.LostRace),
        (["None", "ConditionalCheckFailed", "None"], repository.LostRace),
        (["None", "None", "None", "TransactionConflict"], repository.LostRace),
        (["None", "None", "ConditionalCheckFailed", "ConditionalCheckFailed"], repository.LostRace),
        (["None", "None", "None", "None", "ConditionalCheckFailed"], ExtraItemRejected),
        (["None", "None", "None", "ThrottlingError"], DependencyUnavailable),
        (["ItemCollectionSizeLimitExceeded", "None", "None"], DependencyUnavailable),
        (["ValidationError", "None", "None"], ClientError),
    ],
)
def test_cancellation_reasons_map_to_the_right_outcome(codes: list[str], expected: type[Exception]) -> None:
    error = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )
    with pytest.raises(expected) as raised:
        repository._raise_publish_failure(error, ["PUB-x"])
    if expected is ExtraItemRejected:
        assert raised.value.indexes == [1]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["None", "None", "ConditionalCheckFailed", "None", "None"], Conflict),  # the second EventId
        (["None", "None", "None", "ConditionalCheckFailed", "None"], repository.LostRace),  # its feed entry
        (["None", "None", "None", "None", "ConditionalCheckFailed"], repository.LostRace),  # the counter
        (["None", "None", "None", "None", "None", "ConditionalCheckFailed"], ExtraItemRejected),
    ],
)
def test_cancellation_reasons_of_a_two_event_transaction(codes: list[str], expected: type[Exception]) -> None:
    # Given a transaction of two events (items 0-3), the counter (4) and one extra item (5)
    error = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )
    with pytest.raises(expected) as raised:
        repository._raise_publish_failure(error, ["PUB-a", "PUB-b"])
    if expected is Conflict:
        assert "PUB-b" in str(raised.value)
    if expected is ExtraItemRejected:
        assert raised.value.indexes == [0]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("TransactionConflictException", repository.LostRace),
        ("TransactionInProgressException", DependencyUnavailable),
        ("ValidationException", ClientError),
    ],
)
def test_other_transaction_errors_map_to_the_right_outcome(code: str, expected: type[Exception]) -> None:
    error = ClientError({"Error": {"Code": code, "Message": "x"}}, "TransactWriteItems")
    with pytest.raises(expected):
        repository._raise_publish_failure(error, "PUB-x")


# ------------------------------------------------------------------ the hub's own entry point
def test_extra_transaction_items_commit_with_the_event(world: World, events_store: dict[str, str]) -> None:
    # Given a state change of another part of the hub, as a low-level transaction item
    state_item = {
        "Put": {
            "TableName": events_store["TenancyTable"],
            "Item": {"PK": {"S": "TEST#progress"}, "SK": {"S": "STATE"}, "progress": {"N": "100"}},
        }
    }
    # When the event is published with it
    stored = service.publish(new_event(), extra_transact_items=[state_item])
    # Then both are there
    tenancy_item = dynamodb_client().get_item(
        TableName=events_store["TenancyTable"], Key={"PK": {"S": "TEST#progress"}, "SK": {"S": "STATE"}}
    )
    assert tenancy_item["Item"]["progress"] == {"N": "100"}
    assert repository.get_event(stored.event_id) == stored


def test_several_events_commit_as_consecutive_entries_in_one_transaction_or_none(
    world: World, events_store: dict[str, str]
) -> None:
    # Given one event already in the feed
    first, a, b = (f"PUB-{uuid.uuid4()}" for _ in range(3))
    service.publish(new_event(event_id=first))
    # When two events are published together, the second reusing an existing EventId
    with pytest.raises(Conflict):
        service.publish_all([new_event(event_id=a), new_event(event_id=first)])
    # Then neither was written and the counter did not move
    assert repository.get_event(a) is None and repository.read_counter("PUB").seq == 1
    # When two new ones are published together
    started, completed = service.publish_all(
        [new_event(event_id=a, event_type="AI_STARTED"), new_event(event_id=b)]
    )
    # Then they take the next two sequences, in the order given, and the counter the last of them
    assert (started.feed_seq, completed.feed_seq) == (2, 3)
    assert started.created_utc == completed.created_utc
    assert repository.read_counter("PUB").seq == 3
    assert repository.get_event(b) == completed


def test_a_rejected_extra_item_means_no_event_and_no_state_change(
    world: World, events_store: dict[str, str]
) -> None:
    # Given a state change conditioned on something that does not hold
    table = events_store["TenancyTable"]
    state_put = {"Put": {"TableName": table, "Item": {"PK": {"S": "TEST#a"}, "SK": {"S": "STATE"}}}}
    failing_check = {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"PK": {"S": "TEST#missing"}, "SK": {"S": "STATE"}},
            "ConditionExpression": "attribute_exists(PK)",
        }
    }
    # When the event is published with it
    with pytest.raises(ExtraItemRejected) as raised:
        service.publish(new_event(), extra_transact_items=[state_put, failing_check])
    # Then the caller learns which of its items failed, and nothing at all was written
    assert raised.value.indexes == [1]
    assert raised.value.status == 409
    assert events_items(events_store) == []
    assert "Item" not in dynamodb_client().get_item(
        TableName=table, Key={"PK": {"S": "TEST#a"}, "SK": {"S": "STATE"}}
    )


def test_the_hub_publishes_under_its_own_programs_and_the_account_reads_them(
    hub: Hub, world: World, events_store: dict[str, str]
) -> None:
    # Given the account's hub program for web tracking (no API key publishes there)
    key, secret = tenancy.create_key("pubacct", ["events:read:*"], "reader")

    # When the hub publishes an activity completion under it
    stored = service.publish(
        new_event(
            publisher_program_id="pubacct-webtracking",
            event_type="AI_COMP_SUCCESS",
            publisher_event_id="wt:1",
        )
    )
    # Then the account's read-all key sees it in that program's feed
    page = hub.feed(basic(key.user_id, secret), program="pubacct-webtracking").json
    assert [e["EventId"] for e in page["events"]] == [stored.event_id]
    assert stored.event_id.startswith("pubacct-webtracking-")
    # And an account-wide publish key may still not publish there
    outsider_like = tenancy.create_key("pubacct", ["events:publish:*"], "publisher")
    reply = hub.publish(
        event_body(PublisherProgramId="pubacct-webtracking"),
        basic(outsider_like[0].user_id, outsider_like[1]),
    )
    assert reply.status == 403


def test_the_domain_model_enforces_the_same_rules(world: World, events_store: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="event_id"):
        new_event(event_id="OTHER-0b5f1c2e-8f0e-4a51-9d3c-2f1e6b7a9c10")
    with pytest.raises(ValidationError, match="event_end_utc"):
        new_event(event_end_utc="2024-05-01T11:59:59Z")
    with pytest.raises(ValidationError, match="event_start_utc"):
        new_event(event_start_utc="2024-05-01T12:00:00")
    assert new_event(event_id="PUB-0B5F1C2E-8F0E-4A51-9D3C-2F1E6B7A9C10").event_id == (
        "PUB-0b5f1c2e-8f0e-4a51-9d3c-2f1e6b7a9c10"
    )
    with pytest.raises(PayloadTooLarge):
        service.publish(new_event(publisher_event_data={"blob": "é" * (128 * 1024)}))  # 2 bytes each in UTF-8
    assert events_items(events_store) == []
