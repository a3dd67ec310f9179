"""GET/HEAD /xapi/activities and /xapi/agents over their functions (moto): what the LRS knows of an
activity (merged definitions) and of an agent (a Person), read from the account's statements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke

from trackhub.config import reset_settings
from trackhub.tenancy import service as tenancy
from trackhub.xapi import lookups

VERSION = {"X-Experience-API-Version": "1.0.3"}
ACTIVITY = "http://example.com/activities/meeting"
ALICE = {"objectType": "Agent", "name": "Alice", "mbox": "mailto:alice@example.com"}


@dataclass(frozen=True)
class Lrs:
    key: tuple[str, str]

    def _headers(self) -> dict[str, str]:
        return {"Authorization": basic(*self.key), **VERSION}

    def post(self, statements: list[dict[str, Any]]) -> None:
        event = api_event("POST", "/xapi/statements", body=statements, headers=self._headers())
        assert invoke("xapi_statements_post", event).status == 200

    def get(self, path: str, method: str = "GET", **query: str) -> Reply:
        event = api_event(method, path, headers=self._headers(), query=query or None)
        event["headers"].pop("Content-Type")
        return invoke(f"xapi_{path.rsplit('/', 1)[1]}_get", event)


@pytest.fixture(autouse=True)
def _metrics_namespace() -> None:
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture
def lrs(hub_tables: dict[str, str]) -> Iterator[Lrs]:
    reset_settings()
    tenancy.create_account("Acme Learning", "acme")
    key, secret = tenancy.create_key("acme", ["collector"], "lrs client")
    yield Lrs((key.user_id, secret))


def statement(obj: dict[str, Any], actor: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "actor": actor or ALICE,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
        "object": obj,
        **extra,
    }


def meeting(**definition: Any) -> dict[str, Any]:
    return {"objectType": "Activity", "id": ACTIVITY, "definition": definition}


# ------------------------------------------------------------------ activities
def test_the_activity_comes_back_as_the_statement_sent_it(lrs: Lrs) -> None:
    # Given a statement about an activity with a definition
    sent = meeting(name={"en-US": "example meeting"}, type="http://adlnet.gov/expapi/activities/meeting")
    lrs.post([statement(sent)])
    # When the Activities resource is asked for it
    reply = lrs.get("/xapi/activities", activityId=ACTIVITY)
    # Then the Activity object, equal to the one sent
    assert reply.status == 200 and reply.json == sent
    assert reply.headers["X-Experience-API-Version"] == "1.0.3"


def test_definitions_from_several_statements_are_merged_newest_winning(lrs: Lrs) -> None:
    # Given two statements in one batch, each with another language, and a later one changing the type
    lrs.post(
        [
            statement(meeting(name={"en-US": "example meeting"}, type="http://example.com/t/old")),
            statement(meeting(name={"fr-FR": "réunion"}, extensions={"http://example.com/x": 1})),
        ]
    )
    lrs.post([statement(meeting(type="http://example.com/t/new"))])
    # When the activity is read
    activity = lrs.get("/xapi/activities", activityId=ACTIVITY).json
    # Then both languages, the extension and the newest type
    assert activity["definition"] == {
        "name": {"en-US": "example meeting", "fr-FR": "réunion"},
        "extensions": {"http://example.com/x": 1},
        "type": "http://example.com/t/new",
    }


def test_an_activity_known_only_from_context_or_a_substatement_is_found(lrs: Lrs) -> None:
    parent = {"id": "http://example.com/activities/course", "definition": {"name": {"en": "Course"}}}
    lrs.post([statement(meeting(), context={"contextActivities": {"parent": [parent]}})])
    reply = lrs.get("/xapi/activities", activityId=parent["id"])
    assert reply.json == {"objectType": "Activity", **parent}


def test_an_unknown_activity_is_404_and_another_accounts_activity_unknown(lrs: Lrs) -> None:
    lrs.post([statement(meeting(name={"en": "secret"}))])
    tenancy.create_account("Outsider", "outsider")
    key, secret = tenancy.create_key("outsider", ["collector"], "other")
    other = Lrs((key.user_id, secret))
    assert lrs.get("/xapi/activities", activityId="http://example.com/nothing").status == 404
    reply = other.get("/xapi/activities", activityId=ACTIVITY)
    assert reply.status == 404 and "secret" not in reply.body


def test_the_activity_lookup_reads_a_bounded_number_of_statements(
    lrs: Lrs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given more statements about the activity than one lookup reads
    monkeypatch.setattr(lookups, "LOOKUP_STATEMENTS", 2)
    lrs.post([statement(meeting(name={"de": "alt"}))])
    lrs.post([statement(meeting(name={"en": "one"}))])
    lrs.post([statement(meeting(name={"fr": "deux"}))])
    # When read: only the newest two count
    assert lrs.get("/xapi/activities", activityId=ACTIVITY).json["definition"]["name"] == {
        "en": "one",
        "fr": "deux",
    }


@pytest.mark.parametrize(
    ("query", "named"),
    [({}, "activityId"), ({"activityId": "no iri"}, "activityId"), ({"activityId": "x:y", "z": "1"}, "z")],
)
def test_activities_parameters_are_checked(lrs: Lrs, query: dict[str, str], named: str) -> None:
    reply = lrs.get("/xapi/activities", **query)
    assert reply.status == 400 and reply.json["message"].startswith(f"{named}:")


def test_head_on_activities_has_no_body(lrs: Lrs) -> None:
    lrs.post([statement(meeting())])
    reply = lrs.get("/xapi/activities", "HEAD", activityId=ACTIVITY)
    assert (reply.status, reply.body) == (200, "")


# ------------------------------------------------------------------ agents
def test_a_person_holds_the_agents_ifi_and_every_name_seen_for_it(lrs: Lrs) -> None:
    # Given statements where the same mbox goes by two names (as actor and as instructor)
    lrs.post([statement(meeting())])
    renamed = {"mbox": "mailto:alice@example.com", "name": "Alice Smith"}
    lrs.post(
        [statement(meeting(), actor={"mbox": "mailto:bob@example.com"}, context={"instructor": renamed})]
    )
    # When the Agents resource is asked about the agent
    reply = lrs.get("/xapi/agents", agent=json.dumps({"mbox": "mailto:alice@example.com"}))
    # Then a Person with arrays: both names, the mbox
    person = reply.json
    assert reply.status == 200 and person["objectType"] == "Person"
    assert sorted(person["name"]) == ["Alice", "Alice Smith"]
    assert person["mbox"] == ["mailto:alice@example.com"]
    assert set(person) == {"objectType", "name", "mbox"}


def test_an_agent_never_seen_is_a_person_with_its_own_identifiers(lrs: Lrs) -> None:
    account = {"homePage": "http://example.com/home", "name": "rick"}
    reply = lrs.get("/xapi/agents", agent=json.dumps({"name": "Rick", "account": account}))
    assert reply.status == 200
    assert reply.json == {"objectType": "Person", "name": ["Rick"], "account": [account]}


@pytest.mark.parametrize(
    ("agent", "named"),
    [
        (None, "agent"),
        ("not json", "agent"),
        (json.dumps({"name": "no ifi"}), "agent"),
        (json.dumps({"mbox": "a@b.c"}), "agent.mbox"),
        (json.dumps({"mbox": "mailto:a@b.c", "openid": "http://x.org/a"}), "agent"),
    ],
)
def test_agents_parameter_must_be_a_valid_agent(lrs: Lrs, agent: str | None, named: str) -> None:
    reply = lrs.get("/xapi/agents", **({"agent": agent} if agent is not None else {}))
    assert reply.status == 400 and reply.json["message"].startswith(f"{named}:"), reply.body


def test_head_on_agents_has_no_body(lrs: Lrs) -> None:
    reply = lrs.get("/xapi/agents", "HEAD", agent=json.dumps({"mbox": "mailto:x@example.com"}))
    assert (reply.status, reply.body) == (200, "")
