"""The LRS over its functions (moto): about, version header, PUT/POST/GET/HEAD, conflicts, voiding,
all-or-nothing batches, related filters, formats, paging while writing, the Alternate Request
Syntax and the completion event."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke

from trackhub.config import reset_settings
from trackhub.events import repository as events_repository
from trackhub.tenancy import service as tenancy

VERSION = {"X-Experience-API-Version": "1.0.3"}
VERBS = "http://adlnet.gov/expapi/verbs/"
ALICE = {"mbox": "mailto:alice@example.com", "objectType": "Agent"}
TEACHER = {"mbox": "mailto:teacher@example.com"}


@dataclass(frozen=True)
class Lrs:
    account_id: str
    key: tuple[str, str]
    collector_program: str

    def call(
        self,
        method: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        version: bool = True,
        raw_body: str | None = None,
        **query: str,
    ) -> Reply:
        sent = {"Authorization": basic(*self.key), **(VERSION if version else {}), **(headers or {})}
        function = {
            "GET": "xapi_statements_get",
            "HEAD": "xapi_statements_get",
            "PUT": "xapi_statements_put",
            "POST": "xapi_statements_post",
        }[method]
        event = api_event(
            method, "/xapi/statements", body=body, raw_body=raw_body, headers=sent, query=query or None
        )
        return invoke(function, event)

    def put(self, statement: dict[str, Any], statement_id: str | None = None) -> Reply:
        return self.call("PUT", body=statement, statementId=statement_id or str(uuid.uuid4()))

    def post(self, body: Any) -> Reply:
        return self.call("POST", body=body)

    def get(self, **query: str) -> Reply:
        return self.call("GET", **query)


@pytest.fixture(autouse=True)
def _metrics_namespace() -> None:
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture
def lrs(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Lrs]:
    monkeypatch.setenv("STATEMENTS_WRITE_BACKOFF_MS", "0")
    reset_settings()
    account = tenancy.create_account("Acme Learning", "acme")
    key, secret = tenancy.create_key("acme", ["collector"], "lrs client")
    yield Lrs(account.account_id, (key.user_id, secret), account.hub_programs.collector)


def stmt(verb: str = "experienced", activity: str = "a1", **extra: Any) -> dict[str, Any]:
    return {
        "actor": ALICE,
        "verb": {"id": VERBS + verb, "display": {"en-US": verb, "fr-FR": f"{verb} (fr)"}},
        "object": {"id": f"http://example.com/activities/{activity}"},
        **extra,
    }


def voiding(target: str) -> dict[str, Any]:
    return {
        "actor": ALICE,
        "verb": {"id": VERBS + "voided"},
        "object": {"objectType": "StatementRef", "id": target},
    }


def ids(reply: Reply) -> list[str]:
    return [s["id"] for s in reply.json["statements"]]


# ------------------------------------------------------------------ about and the version header
def test_about_is_public_and_names_1_0_3() -> None:
    # Given no credentials / When GET /xapi/about
    reply = invoke("xapi_about", api_event("GET", "/xapi/about"))
    # Then the versions include 1.0.3, with the version header
    assert reply.status == 200 and "1.0.3" in reply.json["version"]
    assert reply.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("method", ["GET", "PUT", "POST"])
def test_missing_version_header_is_400_with_the_version_header(lrs: Lrs, method: str) -> None:
    # Given a request without X-Experience-API-Version
    reply = lrs.call(
        method, body=stmt(), version=False, **({"statementId": str(uuid.uuid4())} if method == "PUT" else {})
    )
    # Then 400 naming the header, and the response still names the LRS's version
    assert reply.status == 400 and "X-Experience-API-Version" in reply.json["message"]
    assert reply.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize(("sent", "status"), [("0.9.5", 400), ("2.0.0", 400), ("1.0", 200), ("1.0.1", 200)])
def test_version_header_values(lrs: Lrs, sent: str, status: int) -> None:
    reply = lrs.call("POST", body=stmt(), version=False, headers={"X-Experience-API-Version": sent})
    assert reply.status == status


# ------------------------------------------------------------------ PUT / POST / GET / HEAD
def test_put_then_get_by_id_with_lrs_set_properties(lrs: Lrs) -> None:
    # Given a statement PUT under an id in upper case
    statement_id = str(uuid.uuid4())
    assert lrs.put(stmt(), statement_id.upper()).status == 204
    # When it is read back by id (strongly consistent)
    reply = lrs.get(statementId=statement_id)
    # Then stored, authority (the key) and version are set by the LRS, with Last-Modified
    got = reply.json
    assert reply.status == 200 and got["id"] == statement_id
    assert got["authority"]["account"]["name"] == lrs.key[0] and got["version"] == "1.0.0"
    assert "stored" in got and reply.headers["Last-Modified"].endswith("GMT")
    assert "X-Experience-API-Consistent-Through" in reply.headers


def test_a_404_read_still_carries_the_consistency_horizon(lrs: Lrs) -> None:
    # clients poll Consistent-Through while a statement they wrote is not yet visible
    reply = lrs.get(statementId=str(uuid.uuid4()))
    assert reply.status == 404 and "X-Experience-API-Consistent-Through" in reply.headers


def test_a_single_context_activity_is_stored_as_an_array(lrs: Lrs) -> None:
    parent = {"id": "http://example.com/activities/course"}
    sub = {**stmt(context={"contextActivities": {"other": parent}}), "objectType": "SubStatement"}
    statement_id = lrs.post(stmt(context={"contextActivities": {"parent": parent}}, object=sub)).json[0]
    got = lrs.get(statementId=statement_id).json
    assert got["context"]["contextActivities"]["parent"] == [parent]
    assert got["object"]["context"]["contextActivities"]["other"] == [parent]


def test_put_rejects_a_missing_or_different_id(lrs: Lrs) -> None:
    assert lrs.call("PUT", body=stmt()).status == 400
    other = lrs.put({**stmt(), "id": str(uuid.uuid4())})
    assert other.status == 400 and "statement.id" in other.json["message"]


def test_post_answers_the_ids_in_order(lrs: Lrs) -> None:
    given = str(uuid.uuid4())
    reply = lrs.post([stmt(), {**stmt(), "id": given}])
    assert reply.status == 200 and len(reply.json) == 2 and reply.json[1] == given


def test_head_has_the_headers_of_get_and_no_body(lrs: Lrs) -> None:
    statement_id = str(uuid.uuid4())
    lrs.put(stmt(), statement_id)
    reply = lrs.call("HEAD", statementId=statement_id)
    assert reply.status == 200 and reply.body == ""
    assert reply.headers["X-Experience-API-Version"] == "1.0.3" and "Last-Modified" in reply.headers
    assert lrs.call("HEAD", statementId=str(uuid.uuid4())).status == 404


# ------------------------------------------------------------------ conflicts and all or nothing
def test_same_statement_again_is_accepted_and_a_different_one_is_409(lrs: Lrs) -> None:
    # Given a stored statement
    statement_id = str(uuid.uuid4())
    first = {**stmt(), "timestamp": "2024-01-01T10:00:00Z"}
    assert lrs.put(first, statement_id).status == 204
    # When the same statement comes again (other id case, timestamp format, explicit objectType)
    again = {
        **first,
        "timestamp": "2024-01-01T12:00:00.000+02:00",
        "object": {**first["object"], "objectType": "Activity"},
    }
    assert lrs.put(again, statement_id.upper()).status == 204
    assert lrs.post({**again, "id": statement_id}).json == [statement_id]
    # Then a different statement under the id is a conflict and the stored one is unchanged
    assert lrs.put(stmt("failed"), statement_id).status == 409
    assert lrs.post({**stmt("failed"), "id": statement_id}).status == 409
    assert lrs.get(statementId=statement_id).json["verb"]["id"] == VERBS + "experienced"


def test_a_statement_without_timestamp_gets_stored_and_compares_equal_when_resent(lrs: Lrs) -> None:
    # Given a statement sent without a timestamp
    statement_id = str(uuid.uuid4())
    assert lrs.put(stmt(), statement_id).status == 204
    got = lrs.get(statementId=statement_id).json
    # Then the LRS filled timestamp with stored, and the same statement re-sent is not a conflict
    assert got["timestamp"] == got["stored"]
    assert lrs.put(stmt(), statement_id).status == 204


def test_a_batch_with_one_invalid_statement_writes_nothing(lrs: Lrs) -> None:
    bad = {**stmt(), "verb": {"id": "not an iri"}}
    reply = lrs.post([stmt(activity="kept?"), bad])
    assert reply.status == 400 and "statements[1]" in reply.json["message"]
    assert lrs.get().json["statements"] == []


def test_a_batch_with_one_conflicting_statement_writes_nothing(lrs: Lrs) -> None:
    taken = str(uuid.uuid4())
    lrs.put(stmt(), taken)
    fresh = str(uuid.uuid4())
    reply = lrs.post([{**stmt(), "id": fresh}, {**stmt("failed"), "id": taken}])
    assert reply.status == 409
    assert lrs.get(statementId=fresh).status == 404


def test_the_same_id_twice_in_a_batch_is_400(lrs: Lrs) -> None:
    same = str(uuid.uuid4())
    assert lrs.post([{**stmt(), "id": same}, {**stmt(), "id": same}]).status == 400


def test_a_batch_larger_than_one_transaction_is_stored_whole(lrs: Lrs) -> None:
    # Given 60 statements (~5 items each: over the 100-item transaction limit)
    reply = lrs.post([stmt(activity=f"a{i}") for i in range(60)])
    assert reply.status == 200
    assert len(ids(lrs.get(limit="0"))) == 60


# ------------------------------------------------------------------ voiding
def test_voiding_hides_the_statement_except_through_voidedStatementId(lrs: Lrs) -> None:
    # Given a statement and a statement voiding it
    target = str(uuid.uuid4())
    lrs.put(stmt(activity="void-me"), target)
    voider = lrs.post(voiding(target)).json[0]
    # Then statementId no longer finds it, voidedStatementId does
    assert lrs.get(statementId=target).status == 404
    assert lrs.get(voidedStatementId=target).json["id"] == target
    # And queries exclude it but return the voiding statement, also for the voided one's filters
    assert ids(lrs.get()) == [voider]
    assert ids(lrs.get(activity="http://example.com/activities/void-me")) == [voider]


def test_voidedStatementId_of_a_statement_not_voided_is_404(lrs: Lrs) -> None:
    target = str(uuid.uuid4())
    lrs.put(stmt(), target)
    assert lrs.get(voidedStatementId=target).status == 404


def test_a_voiding_statement_cannot_be_voided(lrs: Lrs) -> None:
    target = str(uuid.uuid4())
    lrs.put(stmt(), target)
    voider = lrs.post(voiding(target)).json[0]
    reply = lrs.post(voiding(voider))
    assert reply.status == 400 and "voiding statement cannot be voided" in reply.json["message"]


def test_voiding_an_unknown_statement_is_accepted(lrs: Lrs) -> None:
    assert lrs.post(voiding(str(uuid.uuid4()))).status == 200


def test_a_statement_voided_in_its_own_batch(lrs: Lrs) -> None:
    target = str(uuid.uuid4())
    assert lrs.post([{**stmt(), "id": target}, voiding(target)]).status == 200
    assert lrs.get(statementId=target).status == 404 and lrs.get(voidedStatementId=target).status == 200


# ------------------------------------------------------------------ filters and formats
def test_related_agents_and_related_activities_widen_the_filters(lrs: Lrs) -> None:
    # Given a statement with an instructor and a parent activity
    context = {
        "instructor": TEACHER,
        "contextActivities": {"parent": [{"id": "http://example.com/activities/course"}]},
    }
    statement_id = lrs.post(stmt(context=context)).json[0]
    teacher, course = json.dumps(TEACHER), "http://example.com/activities/course"
    # Then the narrow filters do not match it, the related ones do
    assert ids(lrs.get(agent=teacher)) == []
    assert ids(lrs.get(agent=teacher, related_agents="true")) == [statement_id]
    assert ids(lrs.get(activity=course)) == []
    assert ids(lrs.get(activity=course, related_activities="true")) == [statement_id]
    # And filters combine (AND)
    assert ids(lrs.get(agent=teacher, related_agents="true", verb=VERBS + "experienced")) == [statement_id]
    assert ids(lrs.get(agent=teacher, related_agents="true", verb=VERBS + "failed")) == []


def test_agent_filter_matches_an_agent_object(lrs: Lrs) -> None:
    statement_id = lrs.post({**stmt(), "object": {"objectType": "Agent", **TEACHER}}).json[0]
    assert ids(lrs.get(agent=json.dumps(TEACHER))) == [statement_id]


def test_formats_ids_and_canonical(lrs: Lrs) -> None:
    statement_id = str(uuid.uuid4())
    lrs.put(stmt(), statement_id)
    as_ids = lrs.get(statementId=statement_id, format="ids").json
    assert as_ids["verb"] == {"id": VERBS + "experienced"}
    french = lrs.call(
        "GET", headers={"Accept-Language": "fr-FR"}, statementId=statement_id, format="canonical"
    )
    assert french.json["verb"]["display"] == {"fr-FR": "experienced (fr)"}
    assert lrs.get(statementId=statement_id, format="full").status == 400


def test_single_reads_refuse_other_parameters(lrs: Lrs) -> None:
    reply = lrs.get(statementId=str(uuid.uuid4()), verb=VERBS + "experienced")
    assert reply.status == 400 and reply.json["message"].startswith("verb")


# ------------------------------------------------------------------ paging while writing
def test_more_links_stay_valid_while_writers_add_statements(lrs: Lrs) -> None:
    # Given five statements and a first page of two
    first = [lrs.post(stmt(activity=f"p{i}")).json[0] for i in range(5)]
    page = lrs.get(limit="2")
    seen = ids(page)
    # When writers add statements between pages
    for i in range(3):
        lrs.post(stmt(activity=f"late{i}"))
        more = urllib.parse.parse_qs(urllib.parse.urlparse(page.json["more"]).query)["more"][0]
        page = lrs.get(more=more)
        assert page.status == 200
        seen += ids(page)
        if not page.json["more"]:
            break
    while page.json["more"]:
        more = urllib.parse.parse_qs(urllib.parse.urlparse(page.json["more"]).query)["more"][0]
        page = lrs.get(more=more)
        seen += ids(page)
    # Then the pages hold exactly the statements stored before the first page, newest first
    assert seen == list(reversed(first))


def test_a_tampered_more_token_is_400(lrs: Lrs) -> None:
    assert lrs.get(more="eyJxIjp7fX0").status == 400


# ------------------------------------------------------------------ Alternate Request Syntax
def _form(**fields: str) -> str:
    return urllib.parse.urlencode(fields)


def test_alternate_syntax_put_and_get(lrs: Lrs) -> None:
    # Given a PUT carried in a form (headers and parameters inside)
    statement_id = str(uuid.uuid4())
    form = _form(
        statementId=statement_id,
        content=json.dumps(stmt()),
        Authorization=basic(*lrs.key),
        **VERSION,
    )
    event = api_event(
        "POST",
        "/xapi/statements",
        raw_body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        query={"method": "PUT"},
    )
    # Then it is stored (204) and a GET carried the same way reads it
    assert invoke("xapi_statements_post", event).status == 204
    get = api_event(
        "POST",
        "/xapi/statements",
        raw_body=_form(statementId=statement_id, Authorization=basic(*lrs.key), **VERSION),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        query={"method": "GET"},
    )
    reply = invoke("xapi_statements_post", get)
    assert reply.status == 200 and reply.json["id"] == statement_id


def test_alternate_syntax_get_with_real_headers_and_form_parameters(lrs: Lrs) -> None:
    # Given the credentials and version as real headers and only `limit` in the form
    lrs.post([stmt(), stmt()])
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": basic(*lrs.key),
        **VERSION,
    }
    event = api_event(
        "POST", "/xapi/statements", raw_body=_form(limit="1"), headers=headers, query={"method": "GET"}
    )
    # Then it is a GET with limit=1
    reply = invoke("xapi_statements_post", event)
    assert reply.status == 200 and len(reply.json["statements"]) == 1 and reply.json["more"]
    assert "X-Experience-API-Consistent-Through" in reply.headers


@pytest.mark.parametrize(
    ("query", "content_type", "body"),
    [
        ({"method": "PUT", "statementId": "x"}, "application/x-www-form-urlencoded", "content=%7B%7D"),
        ({"method": "PUT"}, "application/json", '{"content": "{}"}'),
        ({"method": "DELETE"}, "application/x-www-form-urlencoded", "content=%7B%7D"),
    ],
)
def test_malformed_alternate_syntax_is_400(
    lrs: Lrs, query: dict[str, str], content_type: str, body: str
) -> None:
    headers = {"Content-Type": content_type, "Authorization": basic(*lrs.key), **VERSION}
    reply = invoke(
        "xapi_statements_post",
        api_event("POST", "/xapi/statements", raw_body=body, headers=headers, query=query),
    )
    assert reply.status == 400 and reply.headers["X-Experience-API-Version"] == "1.0.3"


# ------------------------------------------------------------------ completion event, scope
def test_a_completed_statement_publishes_an_event_under_the_collector_program(lrs: Lrs) -> None:
    statement_id = lrs.post({**stmt("completed"), "result": {"success": True}}).json[0]
    event = events_repository.get_event(f"{lrs.collector_program}-{statement_id}")
    assert event is not None and event.event_type == "COLLECTOR_COMPLETED"
    assert event.publisher_participant_id == "mbox:mailto:alice@example.com"
    assert event.publisher_event_data["result"] == {"success": True}
    assert lrs.get(statementId=statement_id).status == 200


def test_a_key_without_the_collector_scope_is_403(lrs: Lrs) -> None:
    key, secret = tenancy.create_key("acme", ["webtracking"], "not an lrs client")
    reply = invoke(
        "xapi_statements_post",
        api_event(
            "POST",
            "/xapi/statements",
            body=stmt(),
            headers={"Authorization": basic(key.user_id, secret), **VERSION},
        ),
    )
    assert reply.status == 403
