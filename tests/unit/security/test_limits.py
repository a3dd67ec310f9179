"""Request size and JSON nesting limits on every route of template.yaml that takes a body.

The routes come from the template: a new POST/PUT/PATCH route is checked without anyone listing it.
Each answer is the route's own dialect (hub, falkor, rage), never a 500 and never processed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hubtest.apigw import basic
from hubtest.functions import Reply
from security_world import InProcessHub, aws_world
from test_matrix import ROUTES, assert_error_shape, concrete

from trackhub.auth.scopes import EVERY_NON_ADMIN_SCOPE
from trackhub.config import api_settings
from trackhub.tenancy import service as tenancy

BODY_METHODS = ("POST", "PUT", "PATCH")
BODY_ROUTES = [
    pytest.param(method, resource, function, id=f"{method} {resource}")
    for method, resource, function, _ in ROUTES
    if method in BODY_METHODS
]


@pytest.fixture(scope="module")
def hub() -> Iterator[tuple[InProcessHub, str]]:
    """The template's tables and one key with every non-admin scope: the limits apply before auth
    anyway, but the calls are made as a legitimate client would make them."""
    with aws_world():
        tenancy.create_account("Limits", "limits")
        key, secret = tenancy.create_key("limits", list(EVERY_NON_ADMIN_SCOPE), "limits")
        yield InProcessHub(), basic(key.user_id, secret)


def send(hub: tuple[InProcessHub, str], method: str, resource: str, raw: str) -> Reply:
    in_process, authorization = hub
    return in_process.call(
        method,
        concrete(resource),
        raw=raw,
        headers={"Authorization": authorization, "X-Experience-API-Version": "1.0.3"},
        query={"statementId": "5e1f7c2a-9b7d-4c1e-8a3f-2d6b0c4e9f11"},
    )


def nested(depth: int) -> Any:
    value: Any = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(("method", "resource", "function"), BODY_ROUTES)
def test_a_body_over_the_size_limit_is_413_in_the_route_dialect(
    hub: tuple[InProcessHub, str], method: str, resource: str, function: str
) -> None:
    # Given a JSON body one byte over MAX_BODY_BYTES
    limit = api_settings().MAX_BODY_BYTES
    padding = limit - len('{"pad":""}') + 1
    raw = json.dumps({"pad": "x" * padding}, separators=(",", ":"))
    assert len(raw.encode()) == limit + 1
    # When it is sent
    reply = send(hub, method, resource, raw)
    # Then 413, in the dialect's error shape, naming the limit
    assert reply.status == 413, reply.body[:300]
    assert_error_shape(function, reply)
    assert str(limit) in reply.json["message"]


@pytest.mark.parametrize(("method", "resource", "function"), BODY_ROUTES)
def test_a_body_at_the_size_limit_is_not_refused_for_its_size(
    hub: tuple[InProcessHub, str], method: str, resource: str, function: str
) -> None:
    # Given a JSON body of exactly MAX_BODY_BYTES
    limit = api_settings().MAX_BODY_BYTES
    raw = json.dumps({"pad": "x" * (limit - len('{"pad":""}'))}, separators=(",", ":"))
    # When it is sent
    reply = send(hub, method, resource, raw)
    # Then whatever the route makes of it, it is not a 413 from the guard, nor a server error
    assert reply.status != 413 or str(limit) not in reply.body, reply.body[:300]
    assert reply.status < 500, reply.body[:300]


@pytest.mark.parametrize(("method", "resource", "function"), BODY_ROUTES)
def test_json_nested_deeper_than_the_limit_is_400_in_the_route_dialect(
    hub: tuple[InProcessHub, str], method: str, resource: str, function: str
) -> None:
    # Given JSON nested one level deeper than MAX_JSON_DEPTH
    depth = api_settings().MAX_JSON_DEPTH + 1
    raw = json.dumps(nested(depth))
    # When it is sent
    reply = send(hub, method, resource, raw)
    # Then 400 naming the nesting limit, in the dialect's shape
    assert reply.status == 400, reply.body[:300]
    assert_error_shape(function, reply)
    assert "nested deeper" in reply.json["message"]


@pytest.mark.parametrize(("method", "resource", "function"), BODY_ROUTES)
def test_pathologically_deep_json_is_a_clean_400_not_a_crash(
    hub: tuple[InProcessHub, str], method: str, resource: str, function: str
) -> None:
    # Given 100 000 nested arrays: deeper than Python's recursion limit, well under the size limit
    raw = "[" * 100_000 + "]" * 100_000
    # When it is sent
    reply = send(hub, method, resource, raw)
    # Then a 400 in the dialect's shape (never a RecursionError surfacing as a 502)
    assert reply.status == 400, reply.body[:300]
    assert_error_shape(function, reply)
