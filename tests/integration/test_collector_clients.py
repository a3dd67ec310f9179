"""Real RAGE clients against the local stack: the npm JS tracker itself, and the C#/Java trackers'
byte-level behaviour replayed as fixtures (neither is published to a registry; see rage.md §4, §6)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hubtest.http import call
from hubtest.localhub import Hub

pytestmark = pytest.mark.integration

JS_CLIENT = Path(__file__).resolve().parents[1] / "clients" / "js"
XAPI = {"X-Experience-API-Version": "1.0.3"}

# The C# tracker's regexes (TrackerAsset.cs TokenRegEx / ObjectRegEx), the Java tracker's are the same.
TOKEN_RE = {name: re.compile(rf'"{name}":"(.+?)"') for name in ("authToken", "playerId", "objectId")}
ACTOR_RE = re.compile(r'"actor":(\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\})')


@pytest.fixture(scope="session")
def js_tracker() -> Path:
    """`npm ci` of tests/clients/js (xapi-tracker@0.9.2 from npm), once per session."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        if os.environ.get("CI") == "true":
            pytest.fail("node and npm are required in CI for the real JS tracker test")
        pytest.skip("node/npm not installed: the real JS tracker test needs them")
    if not (JS_CLIENT / "node_modules" / "xapi-tracker").is_dir():
        done = subprocess.run(  # noqa: S603 - fixed command
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS_CLIENT, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr[-2000:]
    return Path(node)


def run_js(node: Path, hub: Hub, code: str, user_token: str = "") -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - fixed command, loopback URL
        [str(node), "run.js", hub.url + "/", code, user_token],
        cwd=JS_CLIENT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def statements_of(hub: Hub, actor: dict[str, Any], since: str) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"agent": json.dumps(actor), "since": since, "ascending": "true"})
    reply = call("GET", f"{hub.url}/xapi/statements?{query}", headers=XAPI, auth=hub.creds("apiKey"))
    assert reply.status == 200, reply.text
    return list(reply.json["statements"])


def test_the_npm_js_tracker_anonymous_resumed_and_identified(js_tracker: Path, hub: Hub) -> None:
    code = hub.demo["trackingCode"]
    # Given the real tracker, When it starts anonymously and flushes its four traces
    first = run_js(js_tracker, hub, code)
    start = first["start"]
    # Then start and flush succeeded, and the statements it sent are stored as it sent them
    assert first["ok"] and start["session"] == 1 and start["actor"]["account"]["name"] == "Anonymous"
    verbs = [
        s["verb"]["id"].rsplit("/", 1)[-1]
        for s in statements_of(hub, start["actor"], start["firstSessionStarted"])
    ]
    assert {"initialized", "selected", "completed"} <= set(verbs)
    # When it resumes with its playerId (settings.userToken), Then session 2 of the same player
    resumed = run_js(js_tracker, hub, code, start["playerId"])["start"]
    assert resumed["playerId"] == start["playerId"] and resumed["session"] == 2
    # When it starts with the demo Bearer JWT, Then the identified player
    identified = run_js(js_tracker, hub, code, f"Bearer {hub.demo['jwt']}")
    assert identified["ok"] and identified["start"]["playerId"] == hub.demo["jwtUser"]


def _raw(hub: Hub, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(hub.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=15)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _cs_statement(actor: str, object_id: str) -> str:
    """One statement as the C# tracker's SimpleJSON prints it: pretty, CRLF line ends, tabs."""
    return (
        '{\r\n\t"actor" : '
        + actor
        + ',\r\n\t"verb" : {\r\n\t\t"id" : "http://adlnet.gov/expapi/verbs/progressed"\r\n\t},'
        '\r\n\t"object" : {\r\n\t\t"id" : "'
        + object_id
        + '/level/intro",\r\n\t\t"definition" : {\r\n\t\t\t"type" : '
        '"https://w3id.org/xapi/seriousgames/activity-types/level"\r\n\t\t}\r\n\t},\r\n\t"timestamp" : '
        '"2026-11-23T12:00:00.000Z",\r\n\t"result" : {\r\n\t\t"score" : {\r\n\t\t\t"raw" : 0.5\r\n\t\t},'
        '\r\n\t\t"extensions" : {\r\n\t\t\t"extension1" : "value"\r\n\t\t}\r\n\t}\r\n}'
    )


@pytest.mark.parametrize("bearer_on_track", [False, True])
def test_csharp_tracker_bytes(hub: Hub, bearer_on_track: bool) -> None:
    code = hub.demo["trackingCode"]
    # Given the C# start: POST, no headers at all, an empty body
    status, body = _raw(hub, "POST", f"/api/proxy/gleaner/collector/start/{code}", b"", {})
    assert status == 200
    text = body.decode()
    # Then its regexes find every field (compact JSON), and the actor by balanced braces
    token, player, object_id = (
        TOKEN_RE[n].search(text).group(1) for n in ("authToken", "playerId", "objectId")
    )  # type: ignore[union-attr]
    actor = ACTOR_RE.search(text)
    assert actor and json.loads(actor.group(1))["account"]["name"] == "Anonymous"
    # When it tracks a pretty-printed, CRLF array of two statements
    array = "[\r\n" + ",\r\n".join(_cs_statement(actor.group(1), object_id) for _ in range(2)) + "\r\n]"
    auth = f"Bearer {token}" if bearer_on_track else token
    status, body = _raw(
        hub,
        "POST",
        "/api/proxy/gleaner/collector/track",
        array.encode(),
        {"Authorization": auth, "Content-Type": "application/json"},
    )
    assert (status, body) == (200, b'{"message":"Success."}')
    # And resumes with its own body format ({"anonymous" : "<id>"}, spaces around the colon)
    resume = ('{"anonymous" : "' + player + '"}').encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    status, body = _raw(hub, "POST", f"/api/proxy/gleaner/collector/start/{code}", resume, headers)
    assert (
        status == 200
        and json.loads(body)["session"] == 2
        and TOKEN_RE["playerId"].search(body.decode()).group(1) == player
    )  # type: ignore[union-attr]


def test_unity_empty_form_start_and_java_compact_track(hub: Hub) -> None:
    code = hub.demo["trackingCode"]
    # Unity's UnityWebRequest.Post(uri, ""): an empty form body
    status, body = _raw(
        hub,
        "POST",
        f"/api/proxy/gleaner/collector/start/{code}",
        b"",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200 and b'"authToken":"' in body
    token = TOKEN_RE["authToken"].search(body.decode()).group(1)  # type: ignore[union-attr]
    actor = json.loads(ACTOR_RE.search(body.decode()).group(1))  # type: ignore[union-attr]
    # The Java tracker: compact array, Content-Type application/json, raw token
    statement = {
        "actor": actor,
        "verb": {"id": "https://w3id.org/xapi/seriousgames/verbs/accessed"},
        "object": {
            "id": "http://example.com/game/screen/menu",
            "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/screen"},
        },
        "timestamp": "2026-11-23T12:00:00.000Z",
    }
    payload = json.dumps([statement], separators=(",", ":")).encode()
    status, body = _raw(
        hub,
        "POST",
        "/api/proxy/gleaner/collector/track",
        payload,
        {"Authorization": token, "Content-Type": "application/json"},
    )
    assert (status, body) == (200, b'{"message":"Success."}')
