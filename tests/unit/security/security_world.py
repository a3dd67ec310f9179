"""A seeded two-account hub, in process, for the security tests.

Requests are routed by the template's own route table (the one the local stack uses), so every
route the template declares can be called by method and path, as API Gateway would route it. The
demo tenants are provisioned by the CLI's own seed steps through the admin functions; the extra
keys, events, webhooks and sessions below give every route an account-A resource to aim at.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import jwt
import pytest
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke
from hubtest.template import project_template
from moto import mock_aws

from trackhub.auth.scopes import EVERY_NON_ADMIN_SCOPE
from trackhub.config import reset_settings
from trackhub.storage.clients import reset_clients
from trackhub_cli.client import AdminApiError, AdminClient
from trackhub_cli.seed import PUBLISHER, STEPS, Demo
from trackhub_local.resources import create_queues, create_tables
from trackhub_local.routes import RouteTable

HOST = "hub.example.com"
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}
OUTSIDER_JWT_SECRET = "outsider-jwt-secret-of-at-least-32-characters!"
WEBHOOK_SECRET = "Wh00kSecretA1b2C3d4"
WEBHOOK_URL = "https://hooks.example.com/secure-a/receiver"
PROGRESS_NOTE = "note-8c1f-progress-of-account-a"
STATEMENT_ID = "5e1f7c2a-9b7d-4c1e-8a3f-2d6b0c4e9f11"
STATEMENT_MARK = "https://games.example.com/level/secret-level-7f3e"
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "STATEMENTS_WRITE_BACKOFF_MS": "0",
}


@dataclass(frozen=True)
class Key:
    user_id: str
    api_key: str

    @property
    def header(self) -> str:
        return basic(self.user_id, self.api_key)

    @property
    def wrong_secret(self) -> str:
        return basic(self.user_id, self.api_key[::-1])


class InProcessHub:
    """Calls the function behind a route, built with the event API Gateway would send it."""

    def __init__(self) -> None:
        self.template = project_template()
        self.routes = RouteTable.from_template(self.template)

    def function_dir(self, logical_id: str) -> str:
        return self.template.functions[logical_id].code_dir.name

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Reply:
        match = self.routes.match(method, path)
        assert match is not None and match.route is not None, f"no route for {method} {path}"
        event = api_event(
            method,
            path,
            resource=match.resource,
            body=body,
            raw_body=raw,
            headers={"Host": HOST, **(headers or {})},
            path_parameters=match.path_parameters or None,
            query=dict(query or {}) or None,
        )
        if body is None and raw is None:
            event["headers"].pop("Content-Type", None)
            event["multiValueHeaders"].pop("Content-Type", None)
        return invoke(self.function_dir(match.route.function), event)


class InProcessAdmin(AdminClient):
    """The CLI's admin client, answered by the admin functions in process instead of over HTTP."""

    def __init__(self, hub: InProcessHub) -> None:
        super().__init__("http://127.0.0.1:9", sign=False)
        self.hub = hub

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        reply = self.hub.call(method, path.split("?")[0], body=body, query=query, headers=headers)
        parsed = json.loads(reply.body) if reply.body else None
        if not 200 <= reply.status < 300:
            raise AdminApiError(reply.status, reply.body, parsed)
        return parsed


@dataclass
class World:
    """Account A ("demo") with its resources; account B ("outsider") with a full key of its own."""

    hub: InProcessHub
    demo: Demo
    keys: dict[str, Key]  # full, revoked, other, events_only, parts_only, publisher, subscriber
    event_id: str
    webhook_id: str
    auth_token: str  # a live collector session of account A
    ended_token: str  # a collector session of account A that has ended
    other_auth_token: str  # a live collector session of account B
    player_id: str
    statement_id: str
    other_jwt: str  # valid for account B, not for A
    other_tracking_code: str
    other_web_token: str
    secrets: dict[str, str] = field(default_factory=dict)  # name -> value that must never be logged

    def a_values(self) -> dict[str, str]:
        """Values only account A's data holds: none may appear in an answer to anyone else."""
        demo = self.demo
        return {
            "event id": self.event_id,
            "webhook id": self.webhook_id,
            "webhook url": WEBHOOK_URL,
            "webToken": demo["webToken"],
            "userToken": demo["userToken"],
            "learner email": demo["learner"]["email"],
            "learner id": demo["learner"]["userId"],
            "pathway id": demo["pathway"]["ID"],
            "activity url": demo["activity"]["url"],
            "tracking code": demo["trackingCode"],
            "authToken": self.auth_token,
            "player id": self.player_id,
            "statement id": self.statement_id,
            "statement object": STATEMENT_MARK,
            "progress note": PROGRESS_NOTE,
            "jwt user": demo["jwtUser"],
            **{
                f"{name} apiKey": key.api_key
                for name, key in self.keys.items()
                if name not in ("other", "mixed")
            },
        }


def template_environment() -> dict[str, str]:
    """What the template gives its functions (table names, queue URLs, limits), Powertools aside."""
    env: dict[str, str] = {}
    for spec in project_template().functions.values():
        env.update({k: v for k, v in spec.env.items() if not k.startswith("POWERTOOLS_")})
    return env


@contextmanager
def aws_world() -> Iterator[pytest.MonkeyPatch]:
    """moto for a whole test module: the template's tables and queues, its environment, caches reset."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in {**template_environment(), **ENVIRONMENT}.items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        create_tables(boto3.client("dynamodb", region_name="us-east-1"), project_template())
        create_queues(boto3.client("sqs", region_name="us-east-1"), project_template())
        reset_settings()
        reset_clients()
        from trackhub.collector import jwt_settings

        jwt_settings.reset()
        yield patch
        jwt_settings.reset()
        reset_settings()
        reset_clients()


def _basic_key(admin: InProcessAdmin, account: str, scopes: list[str] | tuple[str, ...]) -> Key:
    created = admin.create_key(account, list(scopes), "security matrix")
    return Key(created["userId"], created["apiKey"])


def _session(hub: InProcessHub, code: str, bearer: str) -> dict[str, Any]:
    reply = hub.call(
        "POST", f"/api/proxy/gleaner/collector/start/{code}", headers={"Authorization": f"Bearer {bearer}"}
    )
    assert reply.status == 200, reply.body
    return dict(reply.json)


def _statement(actor: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": STATEMENT_ID,
        "actor": actor,
        "timestamp": "2026-01-15T10:00:00Z",
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {
            "id": STATEMENT_MARK,
            "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/level"},
        },
        "result": {"extensions": {"https://games.example.com/note": PROGRESS_NOTE}},
    }


def seed_world(hub: InProcessHub) -> World:
    admin = InProcessAdmin(hub)
    demo: Demo = {"baseUrl": "http://127.0.0.1:9"}
    for step in STEPS:
        step(admin, demo)
    full = Key(demo["apiKey"]["userId"], demo["apiKey"]["apiKey"])
    revoked = _basic_key(admin, "demo", EVERY_NON_ADMIN_SCOPE)
    admin.revoke_key("demo", revoked.user_id)
    admin.create_account("Revoked Co", account_id="revoked-co")
    revoked_account = _basic_key(admin, "revoked-co", EVERY_NON_ADMIN_SCOPE)
    admin.revoke_account("revoked-co")
    other = _basic_key(admin, "outsider", EVERY_NON_ADMIN_SCOPE)
    keys = {
        "full": full,
        "revoked": revoked,
        "other": other,
        "mixed": Key(full.user_id, other.api_key),
        "revoked_account": revoked_account,
        "events_only": _basic_key(admin, "demo", [s for s in EVERY_NON_ADMIN_SCOPE if ":" in s]),
        "parts_only": _basic_key(admin, "demo", [s for s in EVERY_NON_ADMIN_SCOPE if ":" not in s]),
        "publisher": Key(demo["publisher"]["userId"], demo["publisher"]["apiKey"]),
        "subscriber": Key(demo["subscriber"]["userId"], demo["subscriber"]["apiKey"]),
    }
    # Account A: an event, a webhook, progress with data, a collector session with a statement.
    published = hub.call(
        "POST",
        "/events",
        headers={"Authorization": keys["publisher"].header},
        body={
            "PublisherProgramId": PUBLISHER,
            "PublisherEventId": "SEC:0001",
            "EventType": "SEC_TEST",
            "PublisherParticipantId": "participant-5d2a@example.com",
            "PublisherEventData": {"note": PROGRESS_NOTE},
            "EventStartUtc": "2026-01-15T10:00:00Z",
        },
    )
    assert published.status == 201, published.body
    event_id = published.headers["Location"].rsplit("/", 1)[-1]
    created = hub.call(
        "POST",
        "/v1/webhooks",
        headers={"Authorization": full.header},
        body={"code": f"{{WEBHOOK:{WEBHOOK_URL}:{WEBHOOK_SECRET}:POST}}", "programs": [PUBLISHER]},
    )
    assert created.status == 201, created.body
    pushed = hub.call(
        "POST",
        "/v1/webtracking/push",
        headers={"Authorization": full.header},
        body={"webToken": demo["webToken"], "progress": 40, "data": json.dumps({"note": PROGRESS_NOTE})},
    )
    assert pushed.status == 200, pushed.body
    session = _session(hub, demo["trackingCode"], demo["jwt"])
    tracked = hub.call(
        "POST",
        "/api/collector/track",
        headers={"Authorization": session["authToken"]},
        body=[_statement(session["actor"])],
    )
    assert tracked.status == 200, tracked.body
    ended = _session(hub, demo["trackingCode"], demo["jwt"])
    assert hub.call("POST", "/api/collector/end", headers={"Authorization": ended["authToken"]}).status == 200
    # Account B: its own JWT settings, tracking code, session and web activity launch.
    admin.put_jwt_settings("outsider", {"algorithm": "HS256", "secret": OUTSIDER_JWT_SECRET})
    other_code = admin.create_tracking_code("outsider", "Outsider game")["trackingCode"]
    now = int(time.time())
    other_jwt = jwt.encode({"sub": "outsider-player", "iat": now, "exp": now + 3600}, OUTSIDER_JWT_SECRET)
    other_session = _session(hub, other_code, other_jwt)
    pathway = admin.create_pathway("outsider", "Outsider pathway", "PW-OUT-0001")
    admin.create_activity("outsider", pathway["ID"], "out-1", "Outsider course", "https://out.example.com/c")
    learner = admin.create_user("outsider", "someone@outsider.example.com")
    launched = admin.create_launch("outsider", pathway["ID"], "out-1", user_id=learner["userId"])
    world = World(
        hub=hub,
        demo=demo,
        keys=keys,
        event_id=event_id,
        webhook_id=created.json["webhookId"],
        auth_token=session["authToken"],
        ended_token=ended["authToken"],
        other_auth_token=other_session["authToken"],
        player_id=session["playerId"],
        statement_id=STATEMENT_ID,
        other_jwt=other_jwt,
        other_tracking_code=other_code,
        other_web_token=launched["webToken"],
    )
    world.secrets = {
        **{f"{name} apiKey": key.api_key for name, key in keys.items()},
        "webToken": demo["webToken"],
        "userToken": demo["userToken"],
        "outsider webToken": launched["webToken"],
        "outsider userToken": launched["userToken"],
        "authToken": session["authToken"],
        "ended authToken": ended["authToken"],
        "outsider authToken": other_session["authToken"],
        "JWT": demo["jwt"],
        "outsider JWT": other_jwt,
        "JWT secret": OUTSIDER_JWT_SECRET,
        "webhook secret": WEBHOOK_SECRET,
        "Basic header": full.header.split(" ", 1)[1],
        "JWT signature": demo["jwt"].rsplit(".", 1)[-1],
    }
    return world
