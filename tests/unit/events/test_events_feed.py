"""GET /events?program=… and GET /api/events/{id}: paging, cursors, filters and who may read."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from events_support import Hub, World, auth_of, cursor_payload

from trackhub.events import service


class Clock:
    """Stands in for the hub's clock (service.utc_now); `at` sets the time of the next publishes."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, tzinfo=UTC)

    def at(self, text: str) -> None:
        self.now = datetime.fromisoformat(text)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(service, "utc_now", fake)
    return fake


def ids(reply_json: dict[str, Any]) -> list[str]:
    return [event["EventId"] for event in reply_json["events"]]


def read_all(hub: Hub, auth: str, **query: Any) -> Iterator[dict[str, Any]]:
    """Every page until the feed says there is no more (each page is checked to carry a cursor)."""
    for _ in range(100):
        reply = hub.feed(auth, **query)
        assert reply.status == 200, reply.body
        page = reply.json
        assert isinstance(page["cursor"], str) and page["cursor"]
        yield page
        if not page["more"]:
            return
        query = {**query, "cursor": page["cursor"]}
    raise AssertionError("the feed never ended")


# ------------------------------------------------------------------ paging
def test_paging_with_a_small_limit_returns_everything_once_in_order_and_resumes_exactly(
    hub: Hub, world: World
) -> None:
    # Given seven events
    published = [hub.published(world.owner.auth) for _ in range(7)]
    # When a subscriber pages with limit=2
    pages = list(read_all(hub, world.subscriber.auth, program="PUB", limit=2))
    # Then it sees all seven once, oldest first, in pages of at most two, each with a cursor
    assert [len(p["events"]) for p in pages] == [2, 2, 2, 1]
    assert [event_id for page in pages for event_id in ids(page)] == published
    last = pages[-1]["cursor"]
    # And asking again at the end gives an empty page that hands back the same position
    empty = hub.feed(world.subscriber.auth, program="PUB", limit=2, cursor=last).json
    assert empty == {"events": [], "cursor": last, "more": False}
    # And after two more events, resuming from there sees only those two
    newer = [hub.published(world.owner.auth) for _ in range(2)]
    resumed = hub.feed(world.subscriber.auth, program="PUB", limit=2, cursor=last).json
    assert ids(resumed) == newer


def test_the_default_page_is_everything_up_to_100_and_the_cursor_is_opaque_json_inside(
    hub: Hub, world: World
) -> None:
    published = [hub.published(world.owner.auth) for _ in range(3)]
    page = hub.feed(world.owner.auth, program="PUB").json
    assert ids(page) == published
    assert page["more"] is False
    assert cursor_payload(page["cursor"]) == {"p": "PUB", "s": 3}


def test_an_empty_feed_still_returns_a_cursor_that_resumes_from_the_start(hub: Hub, world: World) -> None:
    # Given no events yet
    page = hub.feed(world.subscriber.auth, program="PUB").json
    assert page["events"] == [] and page["more"] is False
    # When events arrive later, the cursor from the empty page finds them all
    published = [hub.published(world.owner.auth) for _ in range(2)]
    assert ids(hub.feed(world.subscriber.auth, program="PUB", cursor=page["cursor"]).json) == published


def test_feed_records_are_the_full_records(hub: Hub, world: World) -> None:
    event_id = hub.published(world.owner.auth)
    page = hub.feed(world.subscriber.auth, program="PUB").json
    assert page["events"] == [hub.get(event_id, world.owner.auth).json]


# ------------------------------------------------------------------ since
def test_since_selects_by_created_utc_inclusively_and_pages_on(hub: Hub, world: World, clock: Clock) -> None:
    # Given three events created on day 1 and three on day 2
    clock.at("2024-01-01T00:00:00+00:00")
    [hub.published(world.owner.auth) for _ in range(3)]
    clock.at("2024-01-02T00:00:00+00:00")
    day2 = [hub.published(world.owner.auth) for _ in range(3)]
    # When the feed is read since the start of day 2, in pages of two
    pages = list(read_all(hub, world.subscriber.auth, program="PUB", since="2024-01-02T00:00:00Z", limit=2))
    # Then exactly the day-2 events come back, in order
    assert [event_id for page in pages for event_id in ids(page)] == day2
    # And an offset (also with its '+' decoded to a space) or sub-millisecond digits mean the same instant
    for since in ("2024-01-02T01:00:00+01:00", "2024-01-02T01:00:00 01:00", "2024-01-01T23:59:59.9991Z"):
        assert ids(hub.feed(world.subscriber.auth, program="PUB", since=since).json) == day2, since


def test_since_after_every_event_gives_an_empty_page_whose_cursor_sees_only_newer_events(
    hub: Hub, world: World, clock: Clock
) -> None:
    # Given events created at midnight
    clock.at("2024-01-02T00:00:00+00:00")
    [hub.published(world.owner.auth) for _ in range(3)]
    # When the feed is read since half a millisecond later (rounded up: it excludes midnight)
    page = hub.feed(world.subscriber.auth, program="PUB", since="2024-01-02T00:00:00.0005Z").json
    # Then nothing matches, and the cursor stands after the existing events
    assert page["events"] == [] and page["more"] is False
    assert cursor_payload(page["cursor"])["s"] == 3
    clock.at("2024-01-03T00:00:00+00:00")
    newer = hub.published(world.owner.auth)
    assert ids(hub.feed(world.subscriber.auth, program="PUB", cursor=page["cursor"]).json) == [newer]


def test_a_cursor_wins_over_since(hub: Hub, world: World, clock: Clock) -> None:
    clock.at("2024-01-01T00:00:00+00:00")
    published = [hub.published(world.owner.auth) for _ in range(4)]
    first = hub.feed(world.owner.auth, program="PUB", limit=2).json
    later = hub.feed(
        world.owner.auth, program="PUB", since="2030-01-01T00:00:00Z", cursor=first["cursor"]
    ).json
    assert ids(later) == published[2:]


def test_since_without_an_offset_is_400_naming_since(hub: Hub, world: World) -> None:
    for since in ("2024-01-02T00:00:00", "2024-01-02", "last tuesday"):
        reply = hub.feed(world.owner.auth, program="PUB", since=since)
        assert reply.status == 400, (since, reply.body)
        assert reply.json["message"].startswith("since:")


# ------------------------------------------------------------------ filters
@pytest.fixture
def mixed(hub: Hub, world: World) -> list[tuple[str, str, str]]:
    """Seven events alternating types and participants: (EventId, EventType, participant)."""
    events = []
    for n in range(7):
        kind = "AI_COMP_SUCCESS" if n % 2 == 0 else "AI_STARTED"
        who = "ann@example.com" if n < 4 else "bob@example.com"
        events.append(
            (hub.published(world.owner.auth, EventType=kind, PublisherParticipantId=who), kind, who)
        )
    return events


@pytest.mark.parametrize(
    "query",
    [
        {"type": "AI_STARTED"},
        {"participant": "bob@example.com"},
        {"type": "AI_COMP_SUCCESS", "participant": "bob@example.com"},
        {"type": "AI_REOPENED"},
    ],
    ids=["type", "participant", "type+participant", "no match"],
)
@pytest.mark.parametrize("limit", [2, 100])
def test_filters_return_exactly_the_matching_events_across_pages(
    hub: Hub, world: World, mixed: list[tuple[str, str, str]], query: dict[str, str], limit: int
) -> None:
    # When the feed is read with filters, page by page
    pages = list(read_all(hub, world.subscriber.auth, program="PUB", limit=limit, **query))
    # Then only matching events come back, in order, none twice
    expected = [
        event_id
        for event_id, kind, who in mixed
        if query.get("type", kind) == kind and query.get("participant", who) == who
    ]
    assert [event_id for page in pages for event_id in ids(page)] == expected
    # And the last cursor stands after every event evaluated, so resuming sees only new matches
    assert cursor_payload(pages[-1]["cursor"])["s"] == 7
    new = hub.published(
        world.owner.auth,
        EventType=query.get("type", "AI_STARTED"),
        PublisherParticipantId=query.get("participant", "ann@example.com"),
    )
    resumed = hub.feed(world.subscriber.auth, program="PUB", cursor=pages[-1]["cursor"], **query).json
    assert ids(resumed) == [new]


def test_filters_combine_with_since(hub: Hub, world: World, clock: Clock) -> None:
    clock.at("2024-01-01T00:00:00+00:00")
    hub.published(world.owner.auth, EventType="AI_STARTED")
    clock.at("2024-01-02T00:00:00+00:00")
    wanted = hub.published(world.owner.auth, EventType="AI_STARTED", PublisherParticipantId="ann@example.com")
    hub.published(world.owner.auth, EventType="AI_COMP_SUCCESS", PublisherParticipantId="ann@example.com")
    hub.published(world.owner.auth, EventType="AI_STARTED", PublisherParticipantId="bob@example.com")
    page = hub.feed(
        world.subscriber.auth,
        program="PUB",
        since="2024-01-02T00:00:00Z",
        type="AI_STARTED",
        participant="ann@example.com",
    ).json
    assert ids(page) == [wanted]


# ------------------------------------------------------------------ the /api/events/{id} alias
def test_the_learning_hub_path_returns_a_bare_array_with_paging_in_headers(hub: Hub, world: World) -> None:
    # Given three events
    published = [hub.published(world.owner.auth, EventType=t) for t in ("A", "B", "A")]
    # When a subscriber lists them on the Learning Hub path, two at a time
    first = hub.program_feed("PUB", world.subscriber.auth, limit=2)
    # Then the body is a bare array of full records and the position is in X-Cursor
    assert first.status == 200, first.body
    assert [e["EventId"] for e in first.json] == published[:2]
    assert first.headers["X-More"] == "true"
    second = hub.program_feed("PUB", world.subscriber.auth, limit=2, cursor=first.headers["X-Cursor"])
    assert [e["EventId"] for e in second.json] == published[2:]
    assert second.headers["X-More"] == "false"
    # And the same filters apply
    assert [e["EventId"] for e in hub.program_feed("PUB", world.owner.auth, type="A").json] == [
        published[0],
        published[2],
    ]
    assert (
        hub.program_feed("PUB", world.owner.auth).json
        == hub.feed(world.owner.auth, program="PUB").json["events"]
    )


# ------------------------------------------------------------------ authorization
READERS = [
    ("owner", 200),
    ("subscriber", 200),
    ("publisher_only", 403),
    ("outsider", 403),
    ("other_program_owner", 403),
    ("revoked", 401),
    ("wrong_secret", 401),
    ("no_credentials", 401),
]


@pytest.mark.parametrize(("who", "status"), READERS)
def test_who_may_read_the_feed(hub: Hub, world: World, who: str, status: int) -> None:
    hub.published(world.owner.auth)
    reply = hub.feed(auth_of(world, who), program="PUB")
    assert reply.status == status, reply.body
    if status == 200:
        assert len(reply.json["events"]) == 1
    if status == 401:
        assert reply.headers.get("WWW-Authenticate", "").startswith("Basic")


@pytest.mark.parametrize(("who", "status"), READERS)
def test_who_may_read_the_learning_hub_path(hub: Hub, world: World, who: str, status: int) -> None:
    hub.published(world.owner.auth)
    reply = hub.program_feed("PUB", auth_of(world, who))
    assert reply.status == status, reply.body
    if status == 200:
        assert len(reply.json) == 1


def test_a_subscription_reads_only_the_program_subscribed_to(hub: Hub, world: World) -> None:
    # SUB subscribes to PUB, not to PUB2
    assert hub.feed(world.subscriber.auth, program="PUB2").status == 403
    assert hub.feed(world.subscriber.auth, program="NOPE").status == 403


# ------------------------------------------------------------------ bad parameters
def _token(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


BAD_QUERIES: list[tuple[str, dict[str, Any], str]] = [
    ("program missing", {}, "program"),
    ("program malformed", {"program": "PUB/../x"}, "program"),
    ("program too long", {"program": "P" * 26}, "program"),
    ("limit zero", {"program": "PUB", "limit": 0}, "limit"),
    ("limit over 1000", {"program": "PUB", "limit": 1001}, "limit"),
    ("limit not a number", {"program": "PUB", "limit": "ten"}, "limit"),
    ("type too long", {"program": "PUB", "type": "T" * 51}, "type"),
    ("type empty", {"program": "PUB", "type": ""}, "type"),
    ("participant too long", {"program": "PUB", "participant": "p" * 201}, "participant"),
    ("cursor not base64", {"program": "PUB", "cursor": "!!!"}, "cursor"),
    ("cursor not JSON", {"program": "PUB", "cursor": "bm90IGpzb24"}, "cursor"),
    ("cursor without seq", {"program": "PUB", "cursor": _token({"p": "PUB"})}, "cursor"),
    ("cursor negative seq", {"program": "PUB", "cursor": _token({"p": "PUB", "s": -1})}, "cursor"),
    ("cursor boolean seq", {"program": "PUB", "cursor": _token({"p": "PUB", "s": True})}, "cursor"),
    ("cursor extra key", {"program": "PUB", "cursor": _token({"p": "PUB", "s": 1, "x": 0})}, "cursor"),
    ("cursor of another program", {"program": "PUB", "cursor": _token({"p": "PUB2", "s": 1})}, "cursor"),
    ("cursor too long", {"program": "PUB", "cursor": "a" * 201}, "cursor"),
    ("since too long", {"program": "PUB", "since": "2024-01-01T00:00:00" + "0" * 60 + "Z"}, "since"),
]


@pytest.mark.parametrize(
    ("query", "field"), [(q, f) for _, q, f in BAD_QUERIES], ids=[c[0] for c in BAD_QUERIES]
)
def test_bad_query_parameters_are_400_naming_the_parameter(
    hub: Hub, world: World, query: dict[str, Any], field: str
) -> None:
    reply = hub.feed(world.owner.auth, **query)
    assert reply.status == 400, reply.body
    assert reply.json["message"].startswith(f"{field}:") or f" {field}:" in reply.json["message"], reply.body


def test_bad_parameters_on_the_learning_hub_path_are_400(hub: Hub, world: World) -> None:
    assert hub.program_feed("-bad-", world.owner.auth).json["message"].startswith("id:")
    assert hub.program_feed("PUB", world.owner.auth, limit=5000).status == 400
    assert hub.program_feed("PUB", world.owner.auth, cursor=_token({"p": "X", "s": 0})).status == 400
