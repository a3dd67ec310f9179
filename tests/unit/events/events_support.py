"""Helpers for the event store unit tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke
from hubtest.template import project_template

from trackhub.tenancy import service as tenancy

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
TABLE_ENV = {"TenancyTable": "TENANCY_TABLE_NAME", "EventsTable": "EVENTS_TABLE_NAME"}


# ------------------------------------------------------------------ tables from the template
@cache
def _table_requests() -> tuple[dict[str, Any], ...]:
    """CreateTable requests for the template's tables, via the local stack's own template reader."""
    from trackhub_local.resources import table_request

    template = project_template()
    return tuple(
        {"LogicalId": logical_id, **table_request(spec.name, spec.properties)}
        for logical_id, spec in template.tables.items()
    )


def table_request(logical_id: str, **overrides: Any) -> dict[str, Any]:
    """The CreateTable request the template defines for a table (optionally renamed)."""
    for request in _table_requests():
        if request["LogicalId"] == logical_id:
            return {k: v for k, v in request.items() if k != "LogicalId"} | overrides
    raise KeyError(logical_id)


def unit_environment() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "trackhub",
        "POWERTOOLS_METRICS_NAMESPACE": "trackhub",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "EVENTS_PUBLISH_BACKOFF_MS": "0",
    }


def events_items(names: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of the events table (tests may Scan; the code never does)."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(names["EventsTable"])
    return list(table.scan(ConsistentRead=True)["Items"])


# ------------------------------------------------------------------ tenancy
@dataclass(frozen=True)
class Key:
    user_id: str
    secret: str

    @property
    def auth(self) -> str:
        return basic(self.user_id, self.secret)

    @property
    def wrong_secret(self) -> str:
        return basic(self.user_id, secrets.token_urlsafe(32))


@dataclass(frozen=True)
class World:
    owner: Key  # publish + read on PUB
    publisher_only: Key  # publish on PUB, no read
    subscriber: Key  # read on SUB, which subscribes to PUB
    outsider: Key  # publish + read on every program of another account
    revoked: Key  # was an owner key
    other_program_owner: Key  # publish + read on PUB2 (same account as PUB, another program)


def _key(account: str, scopes: list[str]) -> Key:
    key, secret = tenancy.create_key(account, scopes, "test")
    return Key(key.user_id, secret)


def auth_of(world: World, who: str) -> str | None:
    """The Authorization header of a role in the world, or of `wrong_secret` / `no_credentials`."""
    if who == "no_credentials":
        return None
    if who == "wrong_secret":
        return world.owner.wrong_secret
    key: Key = getattr(world, who)
    return key.auth


def provision_world() -> World:
    tenancy.create_account("Publisher", "pubacct")
    tenancy.create_program("pubacct", "PUB", "Publisher program")
    tenancy.create_program("pubacct", "PUB2", "Another publisher program")
    tenancy.create_account("Subscriber", "subacct")
    tenancy.create_program("subacct", "SUB", "Subscriber program")
    tenancy.create_subscription("SUB", "PUB")
    tenancy.create_account("Outsider", "outacct")
    tenancy.create_program("outacct", "OUT", "Outsider program")
    revoked = _key("pubacct", ["events:publish:PUB", "events:read:PUB"])
    tenancy.revoke_key("pubacct", revoked.user_id)
    return World(
        owner=_key("pubacct", ["events:publish:PUB", "events:read:PUB"]),
        publisher_only=_key("pubacct", ["events:publish:PUB"]),
        subscriber=_key("subacct", ["events:read:SUB"]),
        outsider=_key("outacct", ["events:publish:*", "events:read:*"]),
        revoked=revoked,
        other_program_owner=_key("pubacct", ["events:publish:PUB2", "events:read:PUB2"]),
    )


# ------------------------------------------------------------------ HTTP, as API Gateway calls the functions
_DROP = object()
DROP: Any = _DROP  # event_body(Field=DROP) leaves the field out


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "PublisherProgramId": "PUB",
        "PublisherSystemId": "LB",
        "PublisherEventId": f"AI:{secrets.randbelow(10**6)}",
        "EventType": "AI_COMP_SUCCESS",
        "PublisherParticipantId": "joebob@example.com",
        "PublisherEventCategory": {"value": "ABC123", "label": "Online Course"},
        "PublisherEventData": {"score": 12, "passed": True, "nested": {"list": [1, 2.5, "x"]}},
        "EventStartUtc": "2024-05-01T12:30:00Z",
        "EventEndUtc": "2024-05-01T13:30:00Z",
    }
    for name, value in overrides.items():
        if value is _DROP:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def _headers(auth: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    return ({"Authorization": auth} if auth else {}) | (extra or {})


class Hub:
    """The event store's routes, each invoked on its own function as API Gateway would."""

    def publish(
        self,
        body: Any,
        auth: str | None,
        *,
        alias: bool = False,
        raw: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        path = "/api/events" if alias else "/events"
        event = api_event("POST", path, body=body, raw_body=raw, headers=_headers(auth, headers))
        return invoke("events_publish", event)

    def get(self, event_id: str, auth: str | None) -> Reply:
        event = api_event(
            "GET",
            f"/events/{event_id}",
            resource="/events/{eventId}",
            path_parameters={"eventId": event_id},
            headers=_headers(auth),
        )
        return invoke("events_get", event)

    def delete(self, event_id: str, auth: str | None, *, alias: bool = False) -> Reply:
        prefix, resource, name = (
            ("/api/events", "/api/events/{id}", "id")
            if alias
            else ("/events", "/events/{eventId}", "eventId")
        )
        event = api_event(
            "DELETE",
            f"{prefix}/{event_id}",
            resource=resource,
            path_parameters={name: event_id},
            headers=_headers(auth),
        )
        return invoke("events_delete", event)

    def feed(self, auth: str | None, **query: Any) -> Reply:
        params: dict[str, str | list[str]] = {k: str(v) for k, v in query.items() if v is not None}
        return invoke(
            "events_feed", api_event("GET", "/events", query=params or None, headers=_headers(auth))
        )

    def program_feed(self, program: str, auth: str | None, **query: Any) -> Reply:
        params: dict[str, str | list[str]] = {k: str(v) for k, v in query.items() if v is not None}
        event = api_event(
            "GET",
            f"/api/events/{program}",
            resource="/api/events/{id}",
            path_parameters={"id": program},
            query=params or None,
            headers=_headers(auth),
        )
        return invoke("events_program_feed", event)

    def published(self, auth: str, **overrides: Any) -> str:
        """Publish an event that must succeed; return its EventId."""
        reply = self.publish(event_body(**overrides), auth)
        assert reply.status == 201, reply.body
        return reply.headers["Location"].removeprefix("/events/")


def cursor_payload(token: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
