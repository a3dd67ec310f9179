"""The event store over HTTP through the local stack: statuses, aliases, paging, filters, the
authorization matrix, and the no-miss guarantee under concurrent writers."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from hubtest.http import HttpReply, call
from hubtest.localhub import Hub

pytestmark = pytest.mark.integration


def event(program: str, **fields: Any) -> dict[str, Any]:
    return {
        "PublisherProgramId": program,
        "PublisherEventId": f"AI:{uuid.uuid4().hex[:8]}",
        "EventType": "AI_COMP_SUCCESS",
        "PublisherParticipantId": "joebob@example.com",
        "PublisherEventData": {"score": 90},
        "EventStartUtc": "2026-03-01T10:00:00+02:00",
        **fields,
    }


def publish(hub: Hub, body: dict[str, Any], who: str = "publisher", path: str = "/events") -> HttpReply:
    return call("POST", f"{hub.url}{path}", json_body=body, auth=hub.creds(who))


def new_program(hub: Hub) -> str:
    """A fresh program of the demo account (so feed assertions are not shared between tests)."""
    program = f"T-{uuid.uuid4().hex[:10]}"
    admin = f"{hub.url}/admin/accounts/demo/programs"
    assert call("POST", admin, json_body={"programId": program, "name": program}).status == 201
    return program


def feed(hub: Hub, program: str, who: str = "apiKey", **query: Any) -> HttpReply:
    params = "&".join(f"{k}={v}" for k, v in {"program": program, **query}.items())
    return call("GET", f"{hub.url}/events?{params}", auth=hub.creds(who))


def test_publish_get_delete_roundtrip_on_both_paths(hub: Hub) -> None:
    program = hub.demo["publisher"]["programId"]
    for path in ("/events", "/api/events"):
        created = publish(hub, event(program), path=path)
        assert created.status == 201 and created.body == b""
        location = created.header("Location")
        assert location and location.startswith(f"/events/{program}-")
        got = call("GET", f"{hub.url}{location}", auth=hub.creds("subscriber"))
        assert got.status == 200
        assert got.json["EventStartUtc"] == "2026-03-01T08:00:00.000Z" and got.json["CreatedUtc"].endswith(
            "Z"
        )
        # a subscriber may read but not delete; the owner deletes; then it is gone
        assert call("DELETE", f"{hub.url}{location}", auth=hub.creds("subscriber")).status == 403
        delete_path = location if path == "/events" else location.replace("/events/", "/api/events/")
        assert call("DELETE", f"{hub.url}{delete_path}", auth=hub.creds("publisher")).status == 204
        assert call("GET", f"{hub.url}{location}", auth=hub.creds("publisher")).status == 404


def test_duplicate_event_id_is_409_and_the_original_stays(hub: Hub) -> None:
    program = hub.demo["publisher"]["programId"]
    event_id = f"{program}-{uuid.uuid4()}"
    assert publish(hub, event(program, EventId=event_id, EventType="AI_STARTED")).status == 201
    assert publish(hub, event(program, EventId=event_id, EventType="AI_REOPENED")).status == 409
    assert (
        call("GET", f"{hub.url}/events/{event_id}", auth=hub.creds("publisher")).json["EventType"]
        == "AI_STARTED"
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("publisher", 201),
        ("apiKey", 201),
        ("subscriber", 403),
        ("outsider", 403),
        (None, 401),
        ("wrong", 401),
    ],
)
def test_publish_authorization_matrix(hub: Hub, who: str | None, status: int) -> None:
    program = hub.demo["publisher"]["programId"]
    auth = None if who is None else (hub.creds("publisher")[0], "wrong") if who == "wrong" else hub.creds(who)
    reply = call("POST", f"{hub.url}/events", json_body=event(program), auth=auth)
    assert reply.status == status
    if status == 401:
        assert reply.header("WWW-Authenticate")


@pytest.mark.parametrize(
    ("who", "status"),
    [("publisher", 200), ("subscriber", 200), ("outsider", 403), (None, 401), ("wrong", 401)],
)
def test_feed_authorization_matrix_on_both_paths(hub: Hub, who: str | None, status: int) -> None:
    program = hub.demo["publisher"]["programId"]
    auth = (
        None if who is None else (hub.creds("subscriber")[0], "wrong") if who == "wrong" else hub.creds(who)
    )
    assert call("GET", f"{hub.url}/events?program={program}", auth=auth).status == status
    alias = call("GET", f"{hub.url}/api/events/{program}", auth=auth)
    assert alias.status == status
    if status == 200:
        assert isinstance(alias.json, list)


def test_paging_with_small_limits_and_filters(hub: Hub) -> None:
    program = new_program(hub)
    for i in range(7):
        kind = "AI_STARTED" if i % 2 else "AI_COMP_SUCCESS"
        assert (
            publish(
                hub, event(program, EventType=kind, PublisherParticipantId=f"p{i % 3}"), who="apiKey"
            ).status
            == 201
        )
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = feed(hub, program, limit=2, **({"cursor": cursor} if cursor else {}))
        assert page.status == 200 and page.json["cursor"]
        seen += [e["EventId"] for e in page.json["events"]]
        cursor = page.json["cursor"]
        if not page.json["more"]:
            break
    assert len(seen) == len(set(seen)) == 7
    # an empty page still returns a cursor; a later event shows up after it, alone
    empty = feed(hub, program, cursor=cursor)
    assert empty.json["events"] == [] and empty.json["cursor"]
    assert publish(hub, event(program), who="apiKey").status == 201
    later = feed(hub, program, cursor=empty.json["cursor"])
    assert len(later.json["events"]) == 1
    # filters
    assert {e["EventType"] for e in feed(hub, program, type="AI_STARTED").json["events"]} == {"AI_STARTED"}
    assert {e["PublisherParticipantId"] for e in feed(hub, program, participant="p1").json["events"]} == {
        "p1"
    }
    assert feed(hub, program, since="2999-01-01T00:00:00Z").json["events"] == []
    assert len(feed(hub, program, since="2000-01-01T00:00:00Z").json["events"]) == 8
    assert feed(hub, program, cursor="garbage").status == 400
    assert feed(hub, program, limit=0).status == 400


def test_bad_events_are_400_and_never_written(hub: Hub) -> None:
    program = new_program(hub)
    for body in (
        event(program, EventType="x" * 51),
        event(program, EventStartUtc="2026-03-01T10:00:00"),
        event(program, EventEndUtc="2026-02-01T00:00:00Z"),
        event(program, EventId="WRONG-" + str(uuid.uuid4())),
        event(program, PublisherEventData="not an object"),
        {k: v for k, v in event(program).items() if k != "EventStartUtc"},
    ):
        reply = publish(hub, body, who="apiKey")
        assert reply.status == 400, body
        assert reply.json["message"]
    assert feed(hub, program).json["events"] == []


def test_concurrent_writers_and_a_cursor_poller_see_exactly_the_set_written(hub: Hub) -> None:
    # Given 5 writers publishing 12 events each into one program while a poller follows the feed
    program = new_program(hub)
    written: set[str] = set()
    lock = threading.Lock()
    errors: list[str] = []

    def writer(n: int) -> None:
        for i in range(12):
            reply = publish(hub, event(program, PublisherEventId=f"w{n}-{i}"), who="apiKey")
            if reply.status != 201:
                errors.append(f"{reply.status} {reply.text}")
                continue
            with lock:
                written.add(str(reply.header("Location")).rsplit("/", 1)[1])

    seen: list[str] = []
    done = threading.Event()

    def poller() -> None:
        cursor = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            finished = done.is_set()  # read before the page: a page after the last write is complete
            page = feed(hub, program, limit=7, **({"cursor": cursor} if cursor else {}))
            if page.status != 200:
                errors.append(f"poller: {page.status} {page.text}")
                return
            seen.extend(e["EventId"] for e in page.json["events"])
            cursor = page.json["cursor"]
            if finished and not page.json["more"]:
                return
            time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(5)]
    reader = threading.Thread(target=poller)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    done.set()
    reader.join(timeout=120)
    # Then every write succeeded and the poller saw each event exactly once, no more, no less
    assert not errors, errors[:3]
    assert len(written) == 60
    assert len(seen) == len(set(seen)), "an event was delivered twice"
    assert set(seen) == written
