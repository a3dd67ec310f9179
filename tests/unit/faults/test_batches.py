"""xAPI LRS requests larger than one DynamoDB transaction ("batches", docs/xapi-lrs.md): their
statement items carry the batch id and stay invisible to every read until the last transaction
creates the batch record together with the batch's completion events and voided targets. A fault
anywhere is a 503 with nothing visible; a re-send stores each statement once; a re-send overlapping
an uncommitted batch takes its items over without ever clobbering a batch that committed."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import moto.dynamodb.models as moto_dynamodb
import pytest
from faults_support import REGION, Stack
from hubtest.apigw import api_event
from hubtest.functions import Reply, invoke
from injector import THROTTLING, Call, nth_call
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from trackhub.storage.items import iso, utc_now

VERSION = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture(autouse=True)
def _one_backup_per_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test speed only: moto backs a table up (a deepcopy, stream records included) once per *item*
    of a transaction, before running any of them; one copy per table and transaction is the same
    backup, and makes these many 100-item transactions minutes faster."""
    original = DynamoDBBackend.transact_write_items

    def once(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        copies: dict[int, Table] = {}

        def deepcopy(value: Any, memo: Any = None) -> Any:
            if isinstance(value, Table):
                return copies.setdefault(id(value), copy.deepcopy(value, memo))
            return copy.deepcopy(value, memo)

        monkeypatch.setattr(moto_dynamodb, "copy", SimpleNamespace(deepcopy=deepcopy))
        try:
            original(self, transact_items)
        finally:
            monkeypatch.setattr(moto_dynamodb, "copy", copy)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", once)


COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


# ------------------------------------------------------------------ helpers
def _headers(stack: Stack) -> dict[str, str]:
    return {"Authorization": stack.auth, **VERSION}


def _post(stack: Stack, statements: list[dict[str, Any]]) -> Reply:
    event = api_event("POST", "/xapi/statements", body=statements, headers=_headers(stack))
    return invoke("xapi_statements_post", event)


def _get(stack: Stack, function: str, path: str, query: dict[str, str]) -> Reply:
    event = api_event("GET", path, headers=_headers(stack), query=dict(query))
    event["headers"].pop("Content-Type", None)
    return invoke(function, event)


def _all_ids(stack: Stack, query: dict[str, str]) -> list[str]:
    """Every statement the query answers, following `more` links until the end."""
    found: list[str] = []
    params: dict[str, str] | None = query
    while params is not None:
        reply = _get(stack, "xapi_statements_get", "/xapi/statements", params)
        assert reply.status == 200, reply.body
        found += [s["id"] for s in reply.json["statements"]]
        more = reply.json.get("more") or ""
        params = dict(p.split("=", 1) for p in more.partition("?")[2].split("&")) if more else None
    return found


def _learner() -> tuple[dict[str, str], str]:
    """A new agent (with a name) and a new activity base: each test reads only its own statements."""
    suffix = uuid.uuid4().hex[:10]
    agent = {"objectType": "Agent", "name": f"Ada {suffix}", "mbox": f"mailto:{suffix}@example.com"}
    return agent, f"http://example.com/{suffix}"


def _statements(
    agent: dict[str, str], base: str, plain: int, completed: int = 0, *, ids: bool = False, wide: bool = False
) -> list[dict[str, Any]]:
    """`plain` statements over 5 activities of `base` (two verbs), then `completed` completions of
    `base`/done<i>; without ids unless asked (the LRS then gives new ones on every send). `wide`: each
    plain statement also has 8 grouping activities of its own (8 more postings: ~9 a transaction)."""
    out: list[dict[str, Any]] = [
        {
            "actor": agent,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/" + ("experienced" if i % 2 else "answered")},
            "object": {"id": f"{base}/a{i % 5}", "definition": {"name": {"en-US": f"Step {i % 5}"}}},
        }
        for i in range(plain)
    ]
    if wide:
        for i, statement in enumerate(out):
            grouping = [{"id": f"{base}/g{i}-{k}"} for k in range(8)]
            statement["context"] = {"contextActivities": {"grouping": grouping}}
    out += [
        {"actor": agent, "verb": {"id": COMPLETED}, "object": {"id": f"{base}/done{i}"}}
        for i in range(completed)
    ]
    if ids:
        out = [{"id": str(uuid.uuid4()), **s} for s in out]
    return out


def _scan(name: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name=REGION).Table(name)
    page = table.scan(ConsistentRead=True)
    items = page["Items"]
    while "LastEvaluatedKey" in page:
        page = table.scan(ConsistentRead=True, ExclusiveStartKey=page["LastEvaluatedKey"])
        items += page["Items"]
    return items


def _written_ids(stack: Stack, agent: dict[str, str]) -> set[str]:
    """The ids of every statement item of `agent` in the table, visible or not."""
    return {
        str(i["statementId"])
        for i in _scan(stack.tables["StatementsTable"])
        if i["SK"] == "STMT" and agent["mbox"] in str(i["statement"])
    }


def _events_of(stack: Stack, statement_ids: set[str]) -> list[str]:
    """The statement ids the hub's completion events name (one entry per event)."""
    return [
        str(i["PublisherEventId"])
        for i in _scan(stack.tables["EventsTable"])
        if i["SK"] == "EVENT" and i.get("PublisherEventId") in statement_ids
    ]


def _commit(call: Call, _index: int) -> bool:
    """The batch's last transaction: the one creating its record."""
    return call.operation == "TransactWriteItems" and b'"committed"' in call.body


def _assert_nothing_visible(stack: Stack, agent: dict[str, str], base: str, since: str) -> None:
    written = _written_ids(stack, agent)
    assert not set(_all_ids(stack, {"agent": json.dumps(agent), "limit": "40"}))  # ByPosting
    assert not written & set(_all_ids(stack, {"since": since, "limit": "100"}))  # ByAccount
    assert not _all_ids(
        stack, {"activity": f"{base}/a1", "verb": "http://adlnet.gov/expapi/verbs/experienced"}
    )
    for statement_id in sorted(written)[:3]:
        for name in ("statementId", "voidedStatementId"):
            reply = _get(stack, "xapi_statements_get", "/xapi/statements", {name: statement_id})
            assert reply.status == 404, (name, reply.body)
    activity = _get(stack, "xapi_activities_get", "/xapi/activities", {"activityId": f"{base}/a1"})
    assert activity.status == 404, activity.body
    person = _get(stack, "xapi_agents_get", "/xapi/agents", {"agent": json.dumps({"mbox": agent["mbox"]})})
    assert person.status == 200 and "name" not in person.json, person.body  # no statement names her
    assert not _events_of(stack, written)


def _now() -> str:
    """An instant just before the test's writes (the LRS's own clock), as a `since` value."""
    return iso(utc_now() - timedelta(milliseconds=2))


# ------------------------------------------------------------------ faults
@pytest.mark.parametrize(
    ("plain", "transactions"), [(12, 2), (22, 3)], ids=["2-transactions", "3-transactions"]
)
def test_a_persistent_fault_at_any_call_of_a_batch_leaves_nothing_visible_and_a_re_send_stores_it_once(
    stack: Stack, plain: int, transactions: int
) -> None:
    # Given an id-less batch of one learner needing several transactions, with 3 completions (a world
    # of its own: moto copies every table on each transaction, so a small one keeps this loop fast)
    agent, base = _learner()
    batch = _statements(agent, base, plain, 3, wide=True)
    since = _now()
    injected = 0
    for n in range(1, 30):
        # When the n-th AWS call of the request fails on every attempt
        with stack.injector.failing(THROTTLING, nth_call(n)) as calls:
            reply = _post(stack, batch)
        if not any(c.failed for c in calls):
            break  # every call of the request has been failed once
        injected += 1
        # Then the answer is a clean 503, and nothing of the batch is visible anywhere, no event exists
        assert reply.status == 503 and reply.headers.get("Retry-After") == "1", (n, reply.body)
        _assert_nothing_visible(stack, agent, base, since)
    # And the request was a batch of `transactions` statement transactions and one commit
    assert reply.status == 200, reply.body
    assert sum(c.operation == "TransactWriteItems" for c in calls) == transactions + 1, calls
    assert injected == len(calls)
    # When the client re-sends the same id-less batch once more
    again = _post(stack, batch)
    # Then each statement of it (and of the first success) is stored once, each completion published once
    assert again.status == 200, again.body
    visible = _all_ids(stack, {"agent": json.dumps(agent), "limit": "70"})
    assert sorted(visible) == sorted(reply.json + again.json) and len(set(visible)) == 2 * len(batch)
    completed = {
        i for i, s in zip(reply.json + again.json, batch + batch, strict=True) if s["verb"]["id"] == COMPLETED
    }
    assert sorted(_events_of(stack, _written_ids(stack, agent))) == sorted(completed)
    # And the orphans of the failed attempts stay in the table, invisible
    assert len(_written_ids(stack, agent)) > 2 * len(batch)


def test_an_id_less_batch_cut_at_its_commit_is_stored_once_by_its_re_send(shared_stack: Stack) -> None:
    # Given an id-less batch of two transactions whose commit failed: all its statement items are written
    stack = shared_stack
    agent, base = _learner()
    batch = _statements(agent, base, 12, 2, wide=True)
    with stack.injector.failing(THROTTLING, _commit):
        assert _post(stack, batch).status == 503
    orphans = _written_ids(stack, agent)
    assert len(orphans) == len(batch)
    # When the client re-sends it
    reply = _post(stack, batch)
    # Then it is stored exactly once (new ids), its 2 completions published once, the orphans unseen
    assert reply.status == 200, reply.body
    visible = _all_ids(stack, {"agent": json.dumps(agent), "limit": "100"})
    assert sorted(visible) == sorted(reply.json) and not orphans & set(visible)
    assert sorted(_events_of(stack, _written_ids(stack, agent))) == sorted(reply.json[-2:])


@contextmanager
def _before_first(stack: Stack, marker: bytes, action: Callable[[], Reply]) -> Iterator[list[Reply]]:
    """Run `action` (another request) right before the first TransactWriteItems holding `marker`:
    a concurrent writer in between this request's reads and that transaction."""
    answers: list[Reply] = []
    started: list[bool] = []

    def pick(call: Call, _index: int) -> bool:
        if not started and call.operation == "TransactWriteItems" and marker in call.body:
            started.append(True)  # before the call: the nested request's own calls come through here
            answers.append(action())
        return False

    with stack.injector.failing(THROTTLING, pick):
        yield answers


def test_a_re_send_overlapping_a_batch_in_flight_aborts_it_and_every_statement_is_stored_once(
    shared_stack: Stack,
) -> None:
    # Given a batch with ids whose first send failed at its commit (its items written, invisible)
    stack = shared_stack
    agent, base = _learner()
    batch = _statements(agent, base, 15, 2, ids=True, wide=True)
    with stack.injector.failing(THROTTLING, _commit):
        assert _post(stack, batch).status == 503
    # When the batch is re-sent, and just before its commit another client re-sends its first 10
    with _before_first(stack, b'"committed"', lambda: _post(stack, batch[:10])) as overlap:
        reply = _post(stack, batch)
    # Then both succeed: the overlap took those items over and aborted the re-send's batch, which
    # then planned again (the 10 stored identically) and committed the rest
    assert overlap and overlap[0].status == 200, overlap
    assert reply.status == 200 and reply.json == [s["id"] for s in batch], reply.body
    visible = _all_ids(stack, {"agent": json.dumps(agent), "limit": "100"})
    assert sorted(visible) == sorted(s["id"] for s in batch)
    assert sorted(_events_of(stack, set(visible))) == sorted(s["id"] for s in batch[-2:])
    one = _get(stack, "xapi_statements_get", "/xapi/statements", {"statementId": batch[0]["id"]})
    assert one.status == 200 and one.json["object"] == batch[0]["object"], one.body


def test_a_batch_that_committed_meanwhile_is_never_clobbered(shared_stack: Stack) -> None:
    # Given a batch with ids whose first send failed at its commit
    stack = shared_stack
    agent, base = _learner()
    batch = _statements(agent, base, 15, 1, ids=True, wide=True)
    with stack.injector.failing(THROTTLING, _commit):
        assert _post(stack, batch).status == 503
    # When it is re-sent, and after that re-send read the uncommitted items another re-send of it
    # takes them over and commits
    with _before_first(stack, b'"aborted"', lambda: _post(stack, batch)) as other:
        reply = _post(stack, batch)
    # Then the late re-send's overwrite is refused (that batch is committed now), finds the
    # statements stored identically and writes none of them; each is stored and published once
    assert other and other[0].status == 200, other
    assert reply.status == 200, reply.body
    items = {str(i["statementId"]): i for i in _scan(stack.tables["StatementsTable"]) if i["SK"] == "STMT"}
    owners = {str(items[s["id"]]["B"]) for s in batch}
    assert len(owners) == 1  # every item still belongs to the batch that committed first
    visible = _all_ids(stack, {"agent": json.dumps(agent), "limit": "100"})
    assert sorted(visible) == sorted(s["id"] for s in batch)
    assert _events_of(stack, set(visible)) == [batch[-1]["id"]]


def test_a_different_statement_under_an_uncommitted_id_is_not_a_conflict(shared_stack: Stack) -> None:
    # Given a batch with ids whose commit failed
    stack = shared_stack
    agent, base = _learner()
    batch = _statements(agent, base, 15, ids=True, wide=True)
    with stack.injector.failing(THROTTLING, _commit):
        assert _post(stack, batch).status == 503
    # When one of its ids is PUT with another statement
    other = {"actor": agent, "verb": {"id": COMPLETED}, "object": {"id": f"{base}/other"}}
    event = api_event(
        "PUT", "/xapi/statements", body=other, headers=_headers(stack), query={"statementId": batch[7]["id"]}
    )
    put = invoke("xapi_statements_put", event)
    # Then it is stored (the uncommitted item was never visible), and the batch's re-send is a 409
    assert put.status == 204, put.body
    one = _get(stack, "xapi_statements_get", "/xapi/statements", {"statementId": batch[7]["id"]})
    assert one.status == 200 and one.json["object"]["id"] == f"{base}/other"
    assert _post(stack, batch).status == 409


# ------------------------------------------------------------------ call counts
def _statement_calls(calls: list[Call], stack: Stack) -> list[str]:
    """The request's calls on the statements and events tables (authentication's are not ours)."""
    tables = (stack.tables["StatementsTable"], stack.tables["EventsTable"], stack.tables["TenancyTable"])
    kept = [c for c in calls if any(t.encode() in c.body for t in tables)]
    return [c.operation for c in kept]


def test_a_batch_that_fits_one_transaction_makes_no_extra_call(shared_stack: Stack) -> None:
    stack = shared_stack
    agent, base = _learner()
    # Given 80 plain statements (one transaction), then one completed statement on its own
    with stack.injector.recording() as plain_calls:
        assert _post(stack, _statements(agent, base, 80)).status == 200
    with stack.injector.recording() as completed_calls:
        assert _post(stack, _statements(agent, base, 0, 1)).status == 200
    # Then the plain batch is one read and one transaction, without batch id or record
    statements = [c for c in plain_calls if stack.tables["StatementsTable"].encode() in c.body]
    assert [c.operation for c in statements] == ["BatchGetItem", "TransactWriteItems"]
    assert b"BATCH#" not in statements[1].body and b'"B"' not in statements[1].body
    # And the completed one is one read, the account, the feed counter and one transaction
    ops = [c.operation for c in completed_calls]
    assert ops[-4:] == ["BatchGetItem", "GetItem", "GetItem", "TransactWriteItems"], ops
    assert b"BATCH#" not in completed_calls[-1].body
    # And a multi-transaction batch adds exactly its commit (plus, with completions, account and counter)
    with stack.injector.recording() as batch_calls:
        assert _post(stack, _statements(agent, base, 15, wide=True)).status == 200
    ops = [c.operation for c in batch_calls]
    assert ops[-4:] == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems", "TransactWriteItems"], ops


# ------------------------------------------------------------------ reads
def test_every_read_returns_a_committed_batch_whole_and_pages_exactly_inside_it(shared_stack: Stack) -> None:
    # Given a committed batch of 250 statements with ids (three transactions and a commit)
    stack = shared_stack
    agent, base = _learner()
    since = _now()
    batch = _statements(agent, base, 250, ids=True)
    reply = _post(stack, batch)
    assert reply.status == 200, reply.body
    ids = [s["id"] for s in batch]
    # Then every filter returns all of it, once, in `stored` order, across pages that end inside it
    assert _all_ids(stack, {"agent": json.dumps(agent), "limit": "40"}) == ids[::-1]
    assert _all_ids(stack, {"agent": json.dumps(agent), "limit": "33", "ascending": "true"}) == ids
    assert _all_ids(stack, {"since": since, "limit": "60"}) == ids[::-1]
    answered = [
        s["id"] for s in batch if s["verb"]["id"].endswith("answered") and s["object"]["id"].endswith("/a2")
    ]
    query = {"activity": f"{base}/a2", "verb": "http://adlnet.gov/expapi/verbs/answered", "limit": "7"}
    assert _all_ids(stack, query) == answered[::-1]
    for statement_id in (ids[0], ids[125], ids[-1]):
        one = _get(stack, "xapi_statements_get", "/xapi/statements", {"statementId": statement_id})
        assert one.status == 200 and one.json["id"] == statement_id
    activity = _get(stack, "xapi_activities_get", "/xapi/activities", {"activityId": f"{base}/a2"})
    assert activity.status == 200 and activity.json["definition"]["name"] == {"en-US": "Step 2"}
    person = _get(stack, "xapi_agents_get", "/xapi/agents", {"agent": json.dumps({"mbox": agent["mbox"]})})
    assert person.json["name"] == [agent["name"]]
    # And a page of the batch costs one BatchGetItem of its batch records more; a page without
    # batch items costs nothing more
    with stack.injector.recording() as calls:
        _get(stack, "xapi_statements_get", "/xapi/statements", {"since": since, "limit": "100"})
    assert _statement_calls(calls, stack)[-2:] == ["Query", "BatchGetItem"]
    assert b"BATCH#" in calls[-1].body
    small_since = _now()
    assert _post(stack, _statements(agent, base, 3)).status == 200
    with stack.injector.recording() as calls:
        page = _get(stack, "xapi_statements_get", "/xapi/statements", {"since": small_since})
    assert len(page.json["statements"]) == 3
    assert _statement_calls(calls, stack)[-1:] == ["Query"]


def test_voiding_in_a_batch_takes_effect_only_when_the_batch_commits(shared_stack: Stack) -> None:
    # Given a stored statement X
    stack = shared_stack
    agent, base = _learner()
    x = _statements(agent, base, 1, ids=True)[0]
    assert _post(stack, [x]).status == 200
    # And a batch of two transactions voiding X and voiding its own statement Y
    batch = _statements(agent, base, 15, ids=True, wide=True)
    y = batch[10]
    for target in (x, y):
        batch.append(
            {
                "id": str(uuid.uuid4()),
                "actor": agent,
                "verb": {"id": VOIDED},
                "object": {"objectType": "StatementRef", "id": target["id"]},
            }
        )

    def read(name: str, statement_id: str) -> int:
        return _get(stack, "xapi_statements_get", "/xapi/statements", {name: statement_id}).status

    # When its commit fails
    with stack.injector.failing(THROTTLING, _commit):
        assert _post(stack, batch).status == 503
    # Then X is not voided, and neither Y nor the voiding statements exist
    assert (read("statementId", x["id"]), read("voidedStatementId", x["id"])) == (200, 404)
    assert (read("statementId", y["id"]), read("voidedStatementId", y["id"])) == (404, 404)
    assert read("statementId", batch[-1]["id"]) == 404
    # When the batch is re-sent
    assert _post(stack, batch).status == 200
    # Then X and Y are voided together with the batch's commit, and the voiding statements are stored
    assert (read("statementId", x["id"]), read("voidedStatementId", x["id"])) == (404, 200)
    assert (read("statementId", y["id"]), read("voidedStatementId", y["id"])) == (404, 200)
    assert read("statementId", batch[-1]["id"]) == read("statementId", batch[-2]["id"]) == 200
    visible = _all_ids(stack, {"agent": json.dumps(agent), "limit": "100"})
    assert x["id"] not in visible and y["id"] not in visible and len(visible) == len(batch) - 1


@pytest.mark.parametrize(("completions", "status"), [(49, 200), (50, 413)])
def test_a_batch_commits_at_most_49_completion_events_with_its_record(
    shared_stack: Stack, completions: int, status: int
) -> None:
    # Given a batch of two transactions with 49 (fits its commit) or 50 completions
    stack = shared_stack
    agent, base = _learner()
    batch = _statements(agent, base, 10, completions)
    # When it is posted
    reply = _post(stack, batch)
    # Then 49 commit with their events; 50 is a 413 naming the limit, and nothing is written
    assert reply.status == status, reply.body
    if status == 413:
        assert "statements" in reply.body and "100" in reply.body
        assert not _written_ids(stack, agent)
    else:
        assert len(_events_of(stack, set(reply.json))) == completions
