"""The RAGE collector over HTTP through the local stack: the status table, CORS, concurrency, a
near-1 MB batch, the end of a token, and the xAPI read side."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
import uuid
from typing import Any

import pytest
from hubtest.http import HttpReply, call
from hubtest.localhub import Hub

pytestmark = pytest.mark.integration

GLEANER = "/api/proxy/gleaner/collector"
NATIVE = "/api/collector"
XAPI = {"X-Experience-API-Version": "1.0.3"}
BAD_AUTH = (
    "Authorization header found but the expected format is 'Bearer JSON Web Token' "
    "obtained by logging in to A2"
)


def start(
    hub: Hub, code: str, body: Any = None, headers: dict[str, str] | None = None, base: str = GLEANER
) -> HttpReply:
    return call("POST", f"{hub.url}{base}/start/{code}", json_body=body, headers=headers)


def track(hub: Hub, token: str | None, statements: Any, base: str = GLEANER) -> HttpReply:
    headers = {"Authorization": token} if token else {}
    return call("POST", f"{hub.url}{base}/track", json_body=statements, headers=headers)


def statement(actor: dict[str, Any], verb: str = "initialized", n: int = 0) -> dict[str, Any]:
    return {
        "actor": actor,
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {
            "id": f"http://127.0.0.1/games/demo/level/level{n}",
            "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/level"},
        },
        "timestamp": "2026-11-23T12:53:22.349Z",
    }


def admin_code(hub: Hub, **options: Any) -> str:
    reply = call(
        "POST",
        f"{hub.url}/admin/accounts/demo/tracking-codes",
        json_body={"name": f"it-{uuid.uuid4().hex[:6]}", **options},
    )
    assert reply.status == 201, reply.text
    return str(reply.json["trackingCode"])


def test_start_statuses_in_rages_order(hub: Hub) -> None:
    demo, closed = hub.demo["trackingCode"], hub.demo["closedTrackingCode"]
    members = admin_code(hub, allowAnonymous=False, participants=[hub.demo["jwtUser"]])
    bearer = {"Authorization": f"Bearer {hub.demo['jwt']}"}
    cases: list[tuple[HttpReply, int, dict[str, str] | None]] = [
        (start(hub, "no-such-code"), 404, {"message": "Tracking code not available!"}),
        (start(hub, closed, headers={"Authorization": "x"}), 412, {"message": "Activity is not started"}),
        (start(hub, members, {}), 401, {"message": "Not authorized to join this activity"}),
        (start(hub, demo, headers={"Authorization": "Non JWT Compliant Format"}), 400, {"message": BAD_AUTH}),
        (
            start(hub, demo, {"anonymous": "nobody"}),
            404,
            {
                "message": "No anonymous player found with id nobody. "
                "Start a new anonymous session without providing any body in this request."
            },
        ),
        (start(hub, members, {}, headers=bearer), 200, None),
        (start(hub, demo, {"anonymous": ""}, base=NATIVE), 200, None),
    ]
    for reply, status, body in cases:
        assert reply.status == status, reply.text
        assert reply.header("Access-Control-Allow-Origin") == "*"
        if body is not None:
            assert reply.json == body
    identified = cases[-2][0].json
    assert identified["playerId"] == hub.demo["jwtUser"] == identified["actor"]["account"]["name"]


def test_track_and_end_statuses_and_the_end_of_a_token(hub: Hub) -> None:
    session = start(hub, hub.demo["trackingCode"]).json
    token, actor = session["authToken"], session["actor"]
    assert track(hub, "unknown", [statement(actor)]).status == 401
    assert track(hub, None, [statement(actor)]).json == {
        "message": "Invalid authToken: unknown, expired or ended session. Start a new session."
    }
    assert track(hub, token, {}).json == {"message": "Statements must be an array!"}
    invalid = track(hub, token, [{"actor": actor}])
    assert invalid.status == 400 and invalid.json["message"].endswith(
        "Error: Timestamp is missing for statement, [object Object]"
    )
    ok = track(hub, token, [statement(actor)], base=NATIVE)
    assert (ok.status, ok.body) == (200, b'{"message":"Success."}')
    assert call("POST", f"{hub.url}{GLEANER}/end", headers={"Authorization": token}).status == 200
    assert track(hub, token, [statement(actor)]).status == 401
    too_big = call(
        "POST",
        f"{hub.url}{GLEANER}/track",
        data=b"[" + b" " * 1_100_000 + b"]",
        headers={"Authorization": token},
    )
    assert too_big.status == 413


@pytest.mark.parametrize(
    "path", [f"{GLEANER}/start/x", f"{NATIVE}/track", f"{GLEANER}/track", f"{GLEANER}/end"]
)
def test_cors_preflight(hub: Hub, path: str) -> None:
    reply = call(
        "OPTIONS",
        f"{hub.url}{path}",
        headers={
            "Origin": "https://game.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert reply.status == 200
    assert reply.header("Access-Control-Allow-Origin") == "*"
    allowed = {h.strip().lower() for h in (reply.header("Access-Control-Allow-Headers") or "").split(",")}
    assert {"authorization", "content-type"} <= allowed


def test_concurrent_resumes_get_distinct_session_numbers(hub: Hub) -> None:
    # Given an anonymous player with session 1
    first = start(hub, hub.demo["trackingCode"]).json
    replies: list[HttpReply] = []
    lock = threading.Lock()

    def resume() -> None:
        reply = start(hub, hub.demo["trackingCode"], {"anonymous": first["playerId"]})
        with lock:
            replies.append(reply)

    # When 8 clients resume it at once
    threads = [threading.Thread(target=resume) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # Then each got its own number, 2..9, and the same first start
    assert all(r.status == 200 for r in replies), [r.text for r in replies]
    assert sorted(r.json["session"] for r in replies) == list(range(2, 10))
    assert {r.json["firstSessionStarted"] for r in replies} == {first["firstSessionStarted"]}


def _read_all(hub: Hub, **query: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    url = f"{hub.url}/xapi/statements?" + urllib.parse.urlencode(query)
    while url:
        reply = call("GET", url, headers=XAPI, auth=hub.creds("apiKey"))
        assert reply.status == 200, reply.text
        assert reply.header("X-Experience-API-Version") == "1.0.3"
        found += reply.json["statements"]
        more = reply.json["more"]
        url = f"{hub.url}{more}" if more else ""
    return found


def test_a_near_1_mb_batch_is_stored_completely_and_read_back_through_xapi(hub: Hub) -> None:
    # Given a session on a fresh code, and a batch just under 1 MB
    code = admin_code(hub)
    session = start(hub, code).json
    actor = session["actor"]
    one = len(json.dumps(statement(actor, n=1000), separators=(",", ":")))
    count = (1_000_000 - 2) // (one + 1)
    batch = [statement(actor, n=1000 + i % 9000) for i in range(count)]
    body = json.dumps(batch, separators=(",", ":")).encode()
    assert 950_000 < len(body) <= 1_048_576
    # When it is tracked
    reply = call(
        "POST",
        f"{hub.url}{GLEANER}/track",
        data=body,
        headers={"Authorization": session["authToken"]},
        timeout=60,
    )
    # Then every statement is stored, readable by activity through the xAPI resource with paging
    assert reply.status == 200, reply.text
    stored = _read_all(hub, registration=str(uuid.uuid4()))
    assert stored == []
    verb = "http://adlnet.gov/expapi/verbs/initialized"
    mine = _read_all(
        hub,
        agent=json.dumps({"account": actor["account"]}),
        verb=verb,
        since=session["firstSessionStarted"],
        limit="500",
    )
    ours = [s for s in mine if s["object"]["id"].startswith("http://127.0.0.1/games/demo/level/level")]
    assert len({s["id"] for s in ours}) >= count


def test_completed_statement_becomes_an_event_in_the_collector_feed(hub: Hub) -> None:
    session = start(
        hub, hub.demo["trackingCode"], headers={"Authorization": f"Bearer {hub.demo['jwt']}"}
    ).json
    assert track(hub, session["authToken"], [statement(session["actor"], "completed")]).status == 200
    program = hub.demo["hubPrograms"]["collector"]
    feed = call(
        "GET",
        f"{hub.url}/events?program={program}&participant={hub.demo['jwtUser']}",
        auth=hub.creds("subscriber"),
    )
    assert feed.status == 200, feed.text
    assert any(e["EventType"] == "COLLECTOR_COMPLETED" for e in feed.json["events"])


def test_a_session_start_reaches_the_collector_feed_through_the_stream(hub: Hub) -> None:
    # Given a new anonymous player starts a session on the demo tracking code
    started = start(hub, hub.demo["trackingCode"])
    assert started.status == 200, started.text
    # events name an anonymous player by a pseudonym: its id would let any reader resume it
    player = "anonymous:" + hashlib.sha256(started.json["playerId"].encode()).hexdigest()[:32]
    program = hub.demo["hubPrograms"]["collector"]
    # When the subscriber polls the hub collector program's feed (the stream consumer is asynchronous)
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not found and time.monotonic() < deadline:
        feed = call(
            "GET",
            f"{hub.url}/events?program={program}&participant={player}&type=COLLECTOR_SESSION_STARTED",
            auth=hub.creds("subscriber"),
        )
        assert feed.status == 200, feed.text
        found = feed.json["events"]
        if not found:
            time.sleep(0.2)
    # Then exactly one session event for that player's first session is there
    assert len(found) == 1, found
    assert found[0]["PublisherEventData"]["session"] == 1
    assert found[0]["PublisherEventData"]["trackingCode"] == hub.demo["trackingCode"]
    assert started.json["playerId"] not in json.dumps(found)
