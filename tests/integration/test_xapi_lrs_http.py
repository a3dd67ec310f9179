"""The LRS over HTTP driven by a real xAPI client from PyPI (`tincan`, Rustici's Python library):
about, PUT/POST, reads by id, filtered queries followed through `more`, voiding and conflicts."""

from __future__ import annotations

import uuid

import pytest
from hubtest.http import call
from hubtest.localhub import Hub
from tincan import Activity, Agent, RemoteLRS, Statement, StatementRef, Verb

pytestmark = pytest.mark.integration

VERBS = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture(scope="module")
def lrs(hub: Hub) -> RemoteLRS:
    user, key = hub.creds("apiKey")
    return RemoteLRS(version="1.0.1", endpoint=f"{hub.url}/xapi/", username=user, password=key)


def statement(verb: str, activity: str, statement_id: str | None = None) -> Statement:
    return Statement(
        id=statement_id,
        actor=Agent(name="Learner", mbox="mailto:learner@example.com"),
        verb=Verb(id=verb, display={"en-US": verb.rsplit("/", 1)[-1]}),
        object=Activity(id=activity),
    )


def test_about_names_1_0_3(lrs: RemoteLRS) -> None:
    answer = lrs.about()
    assert answer.success and "1.0.3" in answer.content.version


def test_put_and_post_then_read_back_by_id(lrs: RemoteLRS, hub: Hub) -> None:
    # Given one statement with a client id (PUT) and one without (POST)
    given = str(uuid.uuid4())
    put = lrs.save_statement(statement(VERBS + "attempted", "http://example.com/lrs/put", given))
    posted = lrs.save_statement(statement(VERBS + "attempted", "http://example.com/lrs/post"))
    assert put.success and posted.success and posted.content.id
    # When both are read by id
    first = lrs.retrieve_statement(given)
    second = lrs.retrieve_statement(posted.content.id)
    # Then they come back with the LRS's authority: the key that sent them
    assert first.success and str(first.content.id) == given
    assert second.success and second.content.object.id == "http://example.com/lrs/post"
    assert first.content.authority.account.name == hub.creds("apiKey")[0]


def test_a_filtered_query_is_followed_through_more(lrs: RemoteLRS) -> None:
    # Given five statements with a verb of their own, stored in one batch
    verb = f"http://example.com/verbs/{uuid.uuid4().hex}"
    saved = lrs.save_statements([statement(verb, f"http://example.com/lrs/p{i}") for i in range(5)])
    assert saved.success, (saved.response.status, saved.data)
    # When the client reads them two per page, following `more`
    page = lrs.query_statements({"verb": Verb(id=verb), "limit": 2, "ascending": True})
    assert page.success, (page.response.status, page.data)
    seen = [s.object.id for s in page.content.statements]
    while page.content.more:
        page = lrs.more_statements(page.content)
        assert page.success, (page.response.status, page.data)
        seen += [s.object.id for s in page.content.statements]
    # Then it sees each exactly once, oldest first
    assert seen == [f"http://example.com/lrs/p{i}" for i in range(5)]


def test_voiding_through_the_client(lrs: RemoteLRS) -> None:
    # Given a stored statement and a statement voiding it
    target = lrs.save_statement(statement(VERBS + "passed", "http://example.com/lrs/void"))
    voiding = Statement(
        actor=Agent(mbox="mailto:teacher@example.com"),
        verb=Verb(id=VERBS + "voided"),
        object=StatementRef(id=target.content.id),
    )
    assert lrs.save_statement(voiding).success
    # Then the statement is only readable as voided
    assert lrs.retrieve_statement(target.content.id).response.status == 404
    voided = lrs.retrieve_voided_statement(target.content.id)
    assert voided.success and voided.content.id == target.content.id


def test_a_different_statement_under_a_taken_id_is_409(lrs: RemoteLRS, hub: Hub) -> None:
    given = str(uuid.uuid4())
    assert lrs.save_statement(statement(VERBS + "attempted", "http://example.com/lrs/c", given)).success
    # the same statement again is fine; another one under its id is a conflict
    assert lrs.save_statement(statement(VERBS + "attempted", "http://example.com/lrs/c", given)).success
    other = lrs.save_statement(statement(VERBS + "failed", "http://example.com/lrs/c", given))
    assert not other.success and other.response.status == 409


def test_every_response_names_the_version_and_a_missing_header_is_400(hub: Hub) -> None:
    reply = call("GET", f"{hub.url}/xapi/statements?limit=1", auth=hub.creds("apiKey"))
    assert reply.status == 400 and reply.header("X-Experience-API-Version") == "1.0.3"
