"""Every route of template.yaml x {no credentials, wrong secret, revoked key, another account's key, a key
without the scope}: the right 401/403/404 in the route's dialect, and never account A's data.

The parameters come from the template, not from the matrix: a route added to the template shows up
here on its own, and fails until tests/unit/security/matrix.py says how it authenticates.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hubtest.functions import Reply, load_function
from hubtest.template import project_template
from matrix import IAM, MATRIX, PROBES, Basic, Entry, Public, Request, entry_for
from security_world import InProcessHub, World, aws_world, seed_world

from trackhub.api.dialects import WWW_AUTHENTICATE, Dialect

CASES = ("no credentials", "wrong secret", "revoked key", "another account's key", "key without the scope")
GENERIC_CASES = CASES[:3]  # the same 401 on every Basic route, whatever it does


def template_routes() -> list[tuple[str, str, str, bool]]:
    """(method, resource, function dir, AWS_IAM) for every Api event of the template."""
    return sorted(
        (event.method, event.path, spec.code_dir.name, event.iam_auth)
        for spec in project_template().functions.values()
        for event in spec.api_events
    )


ROUTES = template_routes()


def _entry(method: str, resource: str, function: str, iam: bool) -> Entry:
    entry = entry_for(method, resource, iam)
    if entry is None:
        pytest.fail(
            f"{method} {resource} (functions/{function}) has no entry in tests/unit/security/matrix.py: "
            "add one saying whether it takes Basic credentials (and which account-A resource to aim at), "
            "is public with its own tokens (and their rows), or is an AWS_IAM /admin route"
        )
    return entry


def _matrix_params() -> list[Any]:
    params = []
    for method, resource, function, iam in ROUTES:
        entry = entry_for(method, resource, iam)
        if isinstance(entry, Public):
            cases: list[str] = [row.name for row in entry.rows]
        elif entry is IAM:
            cases = ["AWS_IAM at the gateway"]
        elif isinstance(entry, Basic):
            cases = [*CASES, *(row.name for row in entry.rows)]
        else:  # a route without an entry (it fails, naming itself)
            cases = list(CASES)
        params += [
            pytest.param(method, resource, function, iam, case, id=f"{method} {resource} | {case}")
            for case in cases
        ]
    return params


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with aws_world():
        yield seed_world(InProcessHub())


def concrete(resource: str) -> str:
    """A request path for a resource: every {parameter} gets a plausible value."""
    return "/".join("x1" if part.startswith("{") else part for part in resource.split("/"))


# ------------------------------------------------------------------ checks
def assert_error_shape(function: str, reply: Reply) -> None:
    if not reply.body:  # HEAD: API Gateway sends no body
        return
    dialect = load_function(function).app.dialect
    body = reply.json
    if dialect is Dialect.FALKOR:
        assert set(body) == {"status", "message"} and body["status"] == "error", body
    elif dialect is Dialect.RAGE:
        assert "message" in body and "status" not in body, body
    else:
        assert {"message", "code"} <= set(body) <= {"message", "code", "details"}, body
    assert isinstance(body["message"], str) and body["message"], body


def assert_no_data_of_account_a(
    world: World, request: Request, reply: Reply, own: tuple[str, ...] = ()
) -> None:
    sent = request.sent()
    answer = reply.body + " " + " ".join(f"{k}: {v}" for k, v in reply.headers.items())
    values = {name: value for name, value in world.a_values().items() if name not in own}
    leaked = [name for name, value in values.items() if value not in sent and value in answer]
    assert not leaked, f"the answer holds account A's {leaked}: {reply.body[:300]}"


def send(world: World, request: Request, authorization: str | None) -> Reply:
    headers = dict(request.headers)
    if authorization is not None:
        headers["Authorization"] = authorization
    return world.hub.call(
        request.method, request.path, body=request.body, raw=request.raw, query=request.query, headers=headers
    )


def _move_web_tracking_clock(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    from trackhub.webtracking import service

    now = service.clock
    monkeypatch.setattr(service, "clock", lambda: now() + timedelta(seconds=seconds))


# ------------------------------------------------------------------ tests
def test_every_template_route_has_a_matrix_entry_and_every_entry_a_route() -> None:
    # Given the template's routes and the matrix
    declared = {(method, resource): (function, iam) for method, resource, function, iam in ROUTES}
    # Then each route has an entry, and no entry names a route the template lost
    missing = [
        f"{m} {r} (functions/{function})"
        for (m, r), (function, iam) in declared.items()
        if entry_for(m, r, iam) is None
    ]
    stale = [f"{m} {r}" for m, r in MATRIX if (m, r) not in declared]
    assert not missing, (
        "routes without a security matrix entry (tests/unit/security/matrix.py): " + ", ".join(missing)
    )
    assert not stale, "matrix entries for routes the template no longer has: " + ", ".join(stale)


def test_aws_iam_routes_are_exactly_the_admin_routes() -> None:
    # Given the routes API Gateway authorizes with AWS_IAM
    iam_routes = {(m, r) for m, r, _, iam in ROUTES if iam}
    # Then they are the /admin routes, and no /admin route is left to Basic credentials or none
    assert iam_routes == {(m, r) for m, r, _, _ in ROUTES if r.startswith("/admin/") or r == "/admin"}
    assert not [key for key in MATRIX if key in iam_routes], "an AWS_IAM route needs no matrix entry"


@functools.cache
def _documented_security(function: str) -> dict[tuple[str, str], Any]:
    schema = load_function(function).app.get_openapi_schema().model_dump(by_alias=True, exclude_none=True)
    return {
        (method.upper(), path): operation.get("security")
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


@pytest.mark.parametrize(
    ("method", "resource", "function", "iam"),
    [pytest.param(*route, id=f"{route[0]} {route[1]}") for route in ROUTES],
)
def test_the_openapi_document_declares_the_security_the_matrix_tests(
    method: str, resource: str, function: str, iam: bool
) -> None:
    # Given the route's operation in its function's OpenAPI document
    entry = entry_for(method, resource, iam)
    if entry is None:
        pytest.skip("no matrix entry: test_every_template_route_has_a_matrix_entry names it")
    documented = _documented_security(function).get((method, resource), "undocumented")
    # Then clients are told what the matrix proves: Basic, SigV4, or nothing (own tokens)
    expected = {Basic: [{"basicAuth": []}], Public: None}.get(type(entry), [{"sigv4": []}])
    assert documented == expected, f"{method} {resource} documents security {documented}, expected {expected}"


@pytest.mark.parametrize(("method", "resource", "function", "iam", "case"), _matrix_params())
def test_security_matrix(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    resource: str,
    function: str,
    iam: bool,
    case: str,
) -> None:
    entry = entry_for(method, resource, iam)
    if entry is None and case in GENERIC_CASES:
        # A route the matrix does not know yet still gets the rows that need no knowledge of it: without
        # an entry it is taken for a Basic route (a public one fails here too, until it has its entry).
        entry = Basic(lambda w: Request(method, concrete(resource)), other=0, no_scope=0)
    entry = entry or _entry(method, resource, function, iam)
    if entry is IAM:
        # Then API Gateway refuses unsigned, wrongly signed and unauthorized callers before the function
        # runs (403 {"message": ...}), because the template says AWS_IAM; the function is never reached.
        assert iam and (resource == "/admin" or resource.startswith("/admin/"))
        return
    rows = entry.rows if isinstance(entry, Public | Basic) else ()
    row = next((row for row in rows if row.name == case), None)
    if row is not None:
        # Given one of the route's own bad credentials (a token, a JWT), maybe once it has expired
        request = row.request(world)
        if row.later:
            _move_web_tracking_clock(monkeypatch, row.later)
        # When it is called
        reply = send(world, request, None)
        # Then it answers as its dialect says, with nothing of account A
        assert reply.status == row.status, f"{case}: {reply.status} {reply.body[:300]}"
        if reply.status >= 400:
            assert_error_shape(function, reply)
        assert_no_data_of_account_a(world, request, reply)
        return
    assert isinstance(entry, Basic)
    # Given a Basic route aimed at account A's data, and the case's credentials
    request = entry.request(world)
    keys = world.keys
    authorization, expected = {
        "no credentials": (None, 401),
        "wrong secret": (keys["full"].wrong_secret, 401),
        "revoked key": (keys["revoked"].header, 401),
        "another account's key": (keys["other"].header, entry.other),
        "key without the scope": (keys[entry.lacking].header, entry.no_scope),
    }[case]
    # When it is called
    reply = send(world, request, authorization)
    # Then the status, the dialect's error shape, and nothing of account A
    assert reply.status == expected, f"{case}: {reply.status} {reply.body[:300]}"
    if expected == 401:
        assert reply.headers.get("WWW-Authenticate") == WWW_AUTHENTICATE
    if expected >= 400:
        assert_error_shape(function, reply)
    assert_no_data_of_account_a(world, request, reply)


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_cross_account_and_cross_right_probes(world: World, probe: Any) -> None:
    # Given an attempt with the probe's key at something of account A
    request = probe.request(world)
    # When it is made
    reply = send(world, request, world.keys[probe.key].header)
    # Then the probe's status, and nothing of account A
    assert reply.status == probe.status, f"{reply.status} {reply.body[:300]}"
    assert_no_data_of_account_a(world, request, reply, probe.own)
