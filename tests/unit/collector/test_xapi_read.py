"""GET /xapi/statements: each filter, paging with `more`, the version header, scope and tenancy."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from typing import Any

import pytest
from collector_support import Acme, start, statement, track
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke

from trackhub.tenancy import service as tenancy

VERSION = {"X-Experience-API-Version": "1.0.3"}
ALICE = {"mbox": "mailto:alice@example.com", "name": "Alice"}
BOB = {"account": {"homePage": "https://hub.example.com/", "name": "bob"}, "name": "bob"}
REGISTRATION = str(uuid.uuid4())


def read(
    acme: Acme, key: tuple[str, str] | None = None, headers: dict[str, str] | None = None, **query: str
) -> Reply:
    sent = {"Authorization": basic(*(key or acme.key)), **VERSION, **(headers or {})}
    return invoke(
        "xapi_statements_get", api_event("GET", "/xapi/statements", query=query or None, headers=sent)
    )


def _stmt(verb: str, actor: dict[str, Any], activity: str, **extra: Any) -> dict[str, Any]:
    s = statement(verb, **extra)
    s["actor"] = actor
    s["object"]["id"] = f"https://hub.example.com/games/{activity}"
    return s


@pytest.fixture
def tracked(acme: Acme) -> list[dict[str, Any]]:
    """Five statements over three batches, so `stored` differs between batches."""
    token = start(acme.open_code, body={}).json["authToken"]
    batches = [
        [_stmt("initialized", ALICE, "level1"), _stmt("progressed", BOB, "level1")],
        [_stmt("completed", ALICE, "level1", context={"registration": REGISTRATION})],
        [_stmt("initialized", BOB, "level2"), _stmt("completed", BOB, "level2")],
    ]
    for batch in batches:
        assert track(token, batch).status == 200
    reply = read(acme, ascending="true")
    assert reply.status == 200
    return list(reply.json["statements"])


def _verbs(reply: Reply) -> list[str]:
    return [
        s["verb"]["id"].rsplit("/", 1)[-1] + ":" + s["object"]["id"].rsplit("/", 1)[-1]
        for s in reply.json["statements"]
    ]


def test_default_order_is_most_recent_first_and_ascending_reverses_it(
    acme: Acme, tracked: list[dict[str, Any]]
) -> None:
    newest_first = read(acme)
    assert newest_first.headers["X-Experience-API-Version"] == "1.0.3"
    assert [s["id"] for s in newest_first.json["statements"]] == [s["id"] for s in reversed(tracked)]
    assert newest_first.json["more"] == ""


def test_filter_by_verb(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    reply = read(acme, verb="http://adlnet.gov/expapi/verbs/completed", ascending="true")
    assert _verbs(reply) == ["completed:level1", "completed:level2"]


def test_filter_by_agent_matches_its_ifi(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    by_mbox = read(acme, agent=json.dumps({"mbox": "mailto:alice@example.com"}), ascending="true")
    by_account = read(acme, agent=json.dumps({"account": BOB["account"]}), ascending="true")
    assert _verbs(by_mbox) == ["initialized:level1", "completed:level1"]
    assert _verbs(by_account) == ["progressed:level1", "initialized:level2", "completed:level2"]


def test_filter_by_activity(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    reply = read(acme, activity="https://hub.example.com/games/level2", ascending="true")
    assert _verbs(reply) == ["initialized:level2", "completed:level2"]


def test_filter_by_registration(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    reply = read(acme, registration=REGISTRATION.upper())
    assert _verbs(reply) == ["completed:level1"]


def test_filters_combine(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    reply = read(
        acme,
        verb="http://adlnet.gov/expapi/verbs/completed",
        agent=json.dumps({"account": BOB["account"]}),
        activity="https://hub.example.com/games/level2",
    )
    assert _verbs(reply) == ["completed:level2"]


def test_since_is_exclusive_and_until_inclusive(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    first_batch_stored, last_stored = tracked[0]["stored"], tracked[-1]["stored"]
    since = read(acme, since=first_batch_stored, ascending="true")
    until = read(acme, until=first_batch_stored, ascending="true")
    both = read(acme, since=first_batch_stored, until=last_stored, ascending="true")
    assert [s["id"] for s in until.json["statements"]] == [
        s["id"] for s in tracked if s["stored"] <= first_batch_stored
    ]
    assert [s["id"] for s in since.json["statements"]] == [
        s["id"] for s in tracked if s["stored"] > first_batch_stored
    ]
    assert both.json["statements"] == since.json["statements"]


def test_limit_and_more_page_through_everything_once(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    seen: list[str] = []
    reply = read(acme, limit="2", ascending="true")
    pages = 0
    while True:
        pages += 1
        assert reply.status == 200, reply.body
        seen += [s["id"] for s in reply.json["statements"]]
        more = reply.json["more"]
        if not more:
            break
        assert more.startswith("/xapi/statements?more=")
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(more).query)["more"][0]
        reply = read(acme, more=token)
    assert seen == [s["id"] for s in tracked] and pages >= 3


def test_statement_id_returns_the_statement(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    wanted = tracked[2]
    reply = read(acme, statementId=wanted["id"].upper())
    assert reply.status == 200 and reply.json == wanted
    assert read(acme, statementId=str(uuid.uuid4())).status == 404
    assert read(acme, statementId=wanted["id"], verb="http://x.org/v").status == 400


def test_more_keeps_the_format_and_a_tampered_token_is_400(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    import base64

    first = read(acme, limit="1", format="ids", ascending="true")
    token = first.json["more"].split("more=")[1]
    second = read(acme, more=token)
    assert second.json["statements"][0]["actor"] == {"account": BOB["account"]}
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for field, value in (("ascending", "yes"), ("limit", 10_000), ("verb", 5)):
        tampered = {**data, "q": {**data["q"], field: value}}
        raw = base64.urlsafe_b64encode(json.dumps(tampered).encode()).decode().rstrip("=")
        assert read(acme, more=raw).status == 400, field


def test_format_ids_keeps_identifiers_only(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    reply = read(acme, statementId=tracked[0]["id"], format="ids")
    assert reply.json["actor"] == {"mbox": "mailto:alice@example.com"}
    assert reply.json["object"] == {"id": tracked[0]["object"]["id"]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"agent": "not json"}, "agent"),
        ({"agent": '{"name": "no ifi"}'}, "agent"),
        ({"verb": "no-iri"}, "verb"),
        ({"since": "yesterday"}, "since"),
        ({"limit": "-1"}, "limit"),
        ({"ascending": "maybe"}, "ascending"),
        ({"registration": "not-a-uuid"}, "registration"),
        ({"more": "garbage"}, "more"),
        ({"colour": "red"}, "colour"),
        ({"related_activities": "yes"}, "related_activities"),
    ],
)
def test_bad_parameters_are_400_naming_them(acme: Acme, query: dict[str, str], field: str) -> None:
    reply = read(acme, **query)
    assert reply.status == 400 and reply.json["message"].startswith(field)


@pytest.mark.parametrize("version", [None, "0.95", "2.0.0", "banana"])
def test_version_header_is_required_and_must_be_1_0_x(acme: Acme, version: str | None) -> None:
    sent = {"Authorization": basic(*acme.key)}
    if version:
        sent["X-Experience-API-Version"] = version
    reply = invoke("xapi_statements_get", api_event("GET", "/xapi/statements", headers=sent))
    assert reply.status == 400 and "X-Experience-API-Version" in reply.json["message"]
    assert read(acme, headers={"X-Experience-API-Version": "1.0.1"}).status == 200


def test_a_key_without_the_collector_scope_is_403_and_no_key_401(acme: Acme) -> None:
    key, secret = tenancy.create_key("acme", ["webtracking"], "")
    assert read(acme, key=(key.user_id, secret)).status == 403
    no_auth = invoke("xapi_statements_get", api_event("GET", "/xapi/statements", headers=VERSION))
    assert no_auth.status == 401


def test_another_account_sees_none_of_these_statements(acme: Acme, tracked: list[dict[str, Any]]) -> None:
    tenancy.create_account("Other", "other")
    key, secret = tenancy.create_key("other", ["collector"], "")
    other = read(acme, key=(key.user_id, secret))
    assert other.status == 200 and other.json["statements"] == []
    assert read(acme, key=(key.user_id, secret), statementId=tracked[0]["id"]).status == 404
    # a `more` token of acme's does not open acme's data to the other account
    token = read(acme, limit="1").json["more"].split("more=")[1]
    assert read(acme, key=(key.user_id, secret), more=token).status == 400
