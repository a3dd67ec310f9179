"""Helpers for collector unit tests: events for the collector routes, tokens, statements."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import jwt
from hubtest.apigw import api_event
from hubtest.functions import Reply, invoke

SECRET = "unit-test-secret-of-at-least-32-characters"
ISSUER = "https://login.example.com/"
HOST = "hub.example.com"
START_PATHS = ("/api/collector/start/{code}", "/api/proxy/gleaner/collector/start/{code}")
TRACK_PATHS = ("/api/collector/track", "/api/proxy/gleaner/collector/track")


def start(
    code: str,
    *,
    body: Any = None,
    raw: str | None = None,
    headers: dict[str, str] | None = None,
    path: str = START_PATHS[1],
    content_type: str | None = "application/json",
) -> Reply:
    sent = {"Host": HOST, **(headers or {})}
    event = api_event(
        "POST",
        path.format(code=code),
        resource=path.replace("{code}", "{trackingCode}"),
        body=body,
        raw_body=raw,
        headers=sent,
        path_parameters={"trackingCode": code},
    )
    if content_type is None:
        event["headers"].pop("Content-Type", None)
        event["multiValueHeaders"].pop("Content-Type", None)
    else:
        event["headers"]["Content-Type"] = content_type
        event["multiValueHeaders"]["Content-Type"] = [content_type]
    return invoke("collector_start", event)


def track(
    token: str | None, statements: Any = None, *, raw: str | None = None, path: str = TRACK_PATHS[1]
) -> Reply:
    headers = {"Host": HOST}
    if token is not None:
        headers["Authorization"] = token
    if raw is None and statements is not None:
        raw = json.dumps(statements, separators=(",", ":"))
    return invoke("collector_track", api_event("POST", path, raw_body=raw, headers=headers))


def end(token: str | None) -> Reply:
    headers = {"Authorization": token} if token is not None else {}
    return invoke("collector_end", api_event("POST", "/api/collector/end", raw_body="", headers=headers))


def token_for(username: str, *, secret: str = SECRET, ttl: int = 3600, **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": username, "iss": ISSUER, "iat": now, "exp": now + ttl, **claims}
    # a claim given as None is left out (e.g. a token without `iat`)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


def statement(verb: str = "initialized", **extra: Any) -> dict[str, Any]:
    base = (
        "https://w3id.org/xapi/seriousgames" if verb in ("accessed", "used") else "http://adlnet.gov/expapi"
    )
    return {
        "actor": {"name": "happy-red-fox", "account": {"homePage": f"https://{HOST}/", "name": "Anonymous"}},
        "verb": {"id": f"{base}/verbs/{verb}"},
        "object": {
            "id": f"https://{HOST}/api/proxy/gleaner/games/acme/code/level/level1",
            "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/level"},
        },
        "timestamp": "2026-11-23T12:53:22.349Z",
        **extra,
    }


@dataclass(frozen=True)
class Acme:
    account_id: str
    open_code: str
    closed_code: str
    members_code: str  # allowAnonymous false, participants ["alice"]
    key: tuple[str, str]  # userId, apiKey with the collector scope
    collector_program: str
