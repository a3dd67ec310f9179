"""Writes larger than one DynamoDB transaction: an xAPI batch of more statements than a transaction
holds is several transactions. A persistent fault between two of them is a clean 503 that may leave a
prefix of the batch stored; re-sending the same batch (statements with their ids, as xAPI clients
send them) stores the rest and nothing twice (docs/xapi-lrs.md, docs/reliability.md)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from conftest import Stack
from hubtest.apigw import api_event
from hubtest.functions import Reply, invoke
from injector import THROTTLING, Call

VERSION = {"X-Experience-API-Version": "1.0.3"}


def _post(stack: Stack, statements: list[dict[str, Any]]) -> Reply:
    headers = {"Authorization": stack.auth, **VERSION}
    return invoke(
        "xapi_statements_post", api_event("POST", "/xapi/statements", body=statements, headers=headers)
    )


def _stored_ids(stack: Stack, agent: dict[str, str]) -> list[str]:
    """Every statement of `agent`, following `more` links until the end."""
    found: list[str] = []
    query: dict[str, str] | None = {"agent": json.dumps(agent), "limit": "25"}
    while query is not None:
        headers = {"Authorization": stack.auth, **VERSION}
        reply = invoke(
            "xapi_statements_get", api_event("GET", "/xapi/statements", headers=headers, query=query)
        )
        assert reply.status == 200, reply.body
        found += [s["id"] for s in reply.json["statements"]]
        more = reply.json.get("more") or ""
        query = dict(part.split("=", 1) for part in more.partition("?")[2].split("&")) if more else None
    return found


def _from_the_second_transaction() -> tuple[list[Call], Any]:
    transactions: list[Call] = []

    def pick(call: Call, _index: int) -> bool:
        if call.operation != "TransactWriteItems":
            return False
        transactions.append(call)
        return len(transactions) >= 2

    return transactions, pick


def test_an_lrs_batch_cut_between_its_transactions_is_completed_by_re_sending_it(shared_stack: Stack) -> None:
    # Given 60 statements with their own ids (several transactions' worth) of one learner
    stack = shared_stack
    agent = {"mbox": f"mailto:{uuid.uuid4().hex[:10]}@example.com", "objectType": "Agent"}
    batch = [
        {
            "id": str(uuid.uuid4()),
            "actor": agent,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": f"http://example.com/activities/a{i}"},
        }
        for i in range(60)
    ]
    sent = sorted(s["id"] for s in batch)
    # When every transaction after the first fails on every attempt
    transactions, pick = _from_the_second_transaction()
    with stack.injector.failing(THROTTLING, pick):
        reply = _post(stack, batch)
    # Then the answer is a clean 503 with a hint to retry, and only whole statements of the batch are stored
    assert len(transactions) >= 2, "the batch fitted one transaction: nothing to cut"
    assert reply.status == 503 and reply.headers.get("Retry-After") == "1", reply.body
    prefix = _stored_ids(stack, agent)
    assert 0 < len(prefix) < len(batch) and set(prefix) <= set(sent)
    # When the client re-sends the same batch
    again = _post(stack, batch)
    # Then it is accepted with the batch's ids, and every statement is stored exactly once
    assert again.status == 200, again.body
    assert again.json == [s["id"] for s in batch]
    assert sorted(_stored_ids(stack, agent)) == sent
