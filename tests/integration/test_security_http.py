"""Security over HTTP through the local stack's gateway: what only the real wire shows.

- Basic routes of the merged OpenAPI document (one per path prefix) refuse a wrong secret with 401 +
  WWW-Authenticate in their dialect (the gateway forwards Authorization and keeps the answer intact);
- the public pages (/openapi.json, /swagger, /health, /xapi/about) answer anyone and hold no tenant data;
- size limits at both layers: the function's MAX_BODY_BYTES (413 in the route's dialect) and the
  gateway's 10 MiB (413 gateway response);
- the function log file of the stack, after real credentials went through every dialect, holds none
  of the demo's secrets.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hubtest.apigw import basic
from hubtest.http import HttpReply, call
from hubtest.localhub import Hub

pytestmark = pytest.mark.integration

WWW_AUTHENTICATE = 'Basic realm="trackhub", charset="UTF-8"'
XAPI = {"X-Experience-API-Version": "1.0.3"}


def _demo_values(hub: Hub) -> dict[str, str]:
    demo = hub.demo
    values = {
        f"{who} apiKey": demo[who]["apiKey"] for who in ("apiKey", "publisher", "subscriber", "outsider")
    }
    return {
        **values,
        "webToken": demo["webToken"],
        "userToken": demo["userToken"],
        "JWT": demo["jwt"],
        "learner email": demo["learner"]["email"],
        "learner id": demo["learner"]["userId"],
    }


def _operations(hub: Hub) -> list[tuple[str, str, list[Any] | None]]:
    document = call("GET", f"{hub.url}/openapi.json").json
    return [
        (method.upper(), path, operation.get("security"))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _concrete(path: str) -> str:
    return "/".join("x1" if part.startswith("{") else part for part in path.split("/"))


def _assert_dialect(path: str, reply: HttpReply) -> None:
    body = reply.json
    if path.startswith("/v1/webtracking/"):
        assert set(body) == {"status", "message"} and body["status"] == "error", body
    elif path.startswith("/api/collector/") or path.startswith("/api/proxy/"):
        assert "message" in body and "status" not in body, body
    else:
        assert {"message", "code"} <= set(body), body


def _prefix(path: str) -> str:
    return "/".join(path.split("/")[:3])


def test_basic_routes_refuse_a_wrong_secret_over_http(hub: Hub) -> None:
    # Given one Basic operation of the merged OpenAPI document per path prefix (/events, /v1/webhooks,
    # /xapi …): every route is in the unit matrix; this proves the wire (each function here starts a
    # worker process, so one per prefix keeps the test short)
    user_id, api_key = hub.creds("apiKey")
    wrong = {"Authorization": basic(user_id, api_key[::-1]), **XAPI}
    picked: dict[str, tuple[str, str]] = {}
    for method, path, security in _operations(hub):
        if security == [{"basicAuth": []}]:
            picked.setdefault(_prefix(path), (method, path))
    assert len(picked) >= 6, picked
    for method, path in picked.values():
        # When called with the right userId and a wrong secret
        data = b"{}" if method in ("POST", "PUT", "PATCH") else None
        reply = call(method, f"{hub.url}{_concrete(path)}", data=data, headers=wrong, timeout=10)
        # Then 401, WWW-Authenticate, the dialect's body (HEAD has none)
        assert reply.status == 401, f"{method} {path}: {reply.status} {reply.text[:200]}"
        assert reply.header("WWW-Authenticate") == WWW_AUTHENTICATE, f"{method} {path}"
        if method != "HEAD":
            _assert_dialect(path, reply)


@pytest.mark.parametrize("path", ["/openapi.json", "/swagger", "/health", "/xapi/about"])
def test_public_pages_answer_anyone_and_hold_no_tenant_data(hub: Hub, path: str) -> None:
    values = _demo_values(hub)
    for headers in ({}, {"Authorization": basic(*hub.creds("outsider"))}):
        # When fetched without credentials, or with another account's key
        reply = call("GET", f"{hub.url}{path}", headers={**headers, **XAPI})
        # Then 200 and none of the demo tenant's secrets or ids
        assert reply.status == 200, f"{path}: {reply.status} {reply.text[:200]}"
        leaked = [name for name, value in values.items() if value in reply.text]
        assert not leaked, f"{path} holds {leaked}"


def test_an_unknown_route_is_404_in_the_hub_shape_with_nothing_else(hub: Hub) -> None:
    reply = call("GET", f"{hub.url}/v1/no-such-thing", auth=hub.creds("apiKey"))
    assert reply.status == 404
    assert reply.json == {"message": "Not found", "code": "not_found"}


def test_size_limits_at_the_function_and_at_the_gateway(hub: Hub) -> None:
    auth = {"Authorization": basic(*hub.creds("apiKey")), "Content-Type": "application/json"}
    over_function = json.dumps({"pad": "x" * (1_048_576 - 9)})  # MAX_BODY_BYTES + 1
    # When a Falkor route and a RAGE route get one byte over the functions' limit
    falkor = call("POST", f"{hub.url}/v1/webtracking/push", data=over_function, headers=auth)
    rage = call("POST", f"{hub.url}/api/collector/track", data=over_function, headers=auth)
    # Then each answers 413 in its own dialect
    assert falkor.status == 413 and falkor.json["status"] == "error", falkor.text[:200]
    assert rage.status == 413 and set(rage.json) >= {"message"} and "status" not in rage.json, rage.text[:200]
    # When a body is over API Gateway's 10 MiB, Then the gateway refuses it without calling a function
    huge = call("POST", f"{hub.url}/events", data=b"x" * (10 * 1024 * 1024 + 1), headers=auth, timeout=30)
    assert huge.status == 413
    assert huge.json == {"message": "Request body too large", "code": "payload_too_large"}


def _drive_every_dialect(hub: Hub) -> None:
    demo, url = hub.demo, hub.url
    auth = hub.creds("apiKey")
    assert (
        call("POST", f"{url}/v1/webtracking/pull", json_body={"webToken": demo["webToken"]}, auth=auth).status
        == 200
    )
    assert call("GET", f"{url}/v1/webtracking/pull?webToken={demo['webToken']}", auth=auth).status == 200
    pushed = call(
        "POST",
        f"{url}/v1/webtracking/push",
        json_body={
            "userToken": demo["userToken"],
            "activity_ID": demo["activity"]["ID"],
            "pathway": demo["pathway"]["ID"],
            "progress": 10,
        },
        auth=auth,
    )
    assert pushed.status == 200, pushed.text
    started = call(
        "POST",
        f"{url}/api/proxy/gleaner/collector/start/{demo['trackingCode']}",
        headers={"Authorization": f"Bearer {demo['jwt']}"},
    )
    assert started.status == 200, started.text
    token = started.json["authToken"]
    assert call("POST", f"{url}/api/collector/end", headers={"Authorization": token}).status == 200
    assert (
        call("POST", f"{url}/api/collector/track", data="[]", headers={"Authorization": token}).status == 401
    )
    assert call("GET", f"{url}/events?program=DEMO-PUB", auth=hub.creds("subscriber")).status == 200
    assert call("GET", f"{url}/v1/whoami", auth=(auth[0], auth[1][::-1])).status == 401
    hub.demo.setdefault("_security_tokens", []).append(token)


def test_no_secret_reaches_the_function_logs(hub: Hub) -> None:
    # Given real credentials of every kind sent through the stack (and whatever other tests sent)
    _drive_every_dialect(hub)
    log_path = hub.stack.sink.path
    assert log_path is not None and log_path.exists()
    text = log_path.read_text(encoding="utf-8")
    assert "collector session started" in text  # the functions' INFO logs are in this file
    # Then none of the secrets is in the functions' logs
    secrets = {
        **_demo_values(hub),
        **{f"authToken {i}": t for i, t in enumerate(hub.demo["_security_tokens"])},
    }
    secrets.pop("learner email")
    secrets.pop("learner id")
    leaked = [name for name, value in secrets.items() if value in text]
    assert not leaked, f"secrets in {log_path}: {leaked}"
