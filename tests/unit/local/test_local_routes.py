"""routes.py: API Gateway resource matching (literal > {param} > {proxy+}), then the method."""

from __future__ import annotations

from pathlib import Path

from trackhub_local.routes import Route, RouteTable, match_resource, split_path
from trackhub_local.template import load_template

ROOT = Path(__file__).resolve().parents[3]

TABLE = RouteTable(
    [
        Route("/items/special", "GET", "Special", "Api"),
        Route("/items/{id}", "GET", "ById", "Api"),
        Route("/items/{id}", "DELETE", "DeleteById", "Api"),
        Route("/items/{proxy+}", "ANY", "Greedy", "Api"),
        Route("/a/{x}/c", "GET", "XC", "Api"),
        Route("/a/b/{y}", "GET", "BY", "Api"),
        Route("/", "GET", "Root", "Api"),
    ]
)


def _function(method: str, path: str) -> str | None:
    match = TABLE.match(method, path)
    return None if match is None or match.route is None else match.route.function


def test_literal_segment_beats_parameter_beats_greedy() -> None:
    assert _function("GET", "/items/special") == "Special"
    assert _function("GET", "/items/42") == "ById"
    assert _function("GET", "/items/42/parts") == "Greedy"
    assert _function("GET", "/a/b/c") == "BY"  # the literal at the earlier level wins
    assert _function("GET", "/a/z/c") == "XC"


def test_method_is_looked_up_on_the_matched_resource_only() -> None:
    assert _function("DELETE", "/items/42") == "DeleteById"
    match = TABLE.match("POST", "/items/42")
    # /items/{id} has no POST: API Gateway does not fall back to /items/{proxy+}.
    assert match is not None and match.resource == "/items/{id}" and match.route is None
    assert _function("PATCH", "/items/1/2") == "Greedy"  # ANY


def test_unknown_paths_and_greedy_needs_a_segment() -> None:
    assert TABLE.match("GET", "/nothing") is None
    assert TABLE.match("GET", "/items") is None
    assert _function("GET", "/") == "Root"


def test_path_parameters_are_decoded_and_greedy_keeps_slashes() -> None:
    match = TABLE.match("GET", "/items/a%20b%2Fc")
    assert match is not None and match.path_parameters == {"id": "a b/c"}
    greedy = TABLE.match("GET", "/items/x/y%2Bz/")
    assert greedy is not None and greedy.path_parameters == {"proxy": "x/y+z"}


def test_trailing_slash_and_empty_parameter() -> None:
    assert split_path("/health/") == ["health"]
    assert split_path("/") == []
    assert match_resource("/items/{id}", ["items", ""]) is None


def test_methods_for_cors() -> None:
    assert TABLE.methods("/items/{id}") == ["DELETE", "GET", "OPTIONS"]
    assert "PUT" in TABLE.methods("/items/{proxy+}")


def test_project_template_routes() -> None:
    table = RouteTable.from_template(load_template(ROOT / "template.yaml"))
    revoke = table.match("DELETE", "/admin/accounts/acme")
    assert revoke is not None and revoke.route is not None
    assert revoke.route.function == "AdminRevokeAccountFunction"
    assert revoke.route.iam_auth is True
    assert revoke.path_parameters == {"accountId": "acme"}
    listing = table.match("GET", "/admin/accounts")
    assert listing is not None and listing.route is not None
    assert listing.route.function == "AdminListAccountsFunction"
    health = table.match("GET", "/health")
    assert health is not None and health.route is not None and health.route.iam_auth is False
    assert table.match("GET", "/no/such/route") is None
