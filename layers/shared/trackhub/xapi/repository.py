"""DynamoDB access for statements: one item per statement, one sparse GSI per xAPI filter.

    attribute    value                                    index (sort key StoredSK)
    PK / SK      STMT#<accountId>#<statementId> / STMT    - (GetItem by statementId, consistent)
    AcctPK       <accountId>                              ByAccount
    VerbPK       <accountId>#<digest of verb.id>          ByVerb
    AgentPK      <accountId>#<digest of actor IFI>        ByAgent
    ActivityPK   <accountId>#<digest of object.id>        ByActivity (Activity objects only)
    RegPK        <accountId>#<digest of registration>     ByRegistration (when present)
    StoredSK     <stored ISO ms Z>#<n>#<statementId>      `stored` order (n: position in its batch);
                                                          since/until are key ranges

A query uses the index of its most selective filter and filters the rest on the same item, so every
documented query is a Query, never a Scan. `statement` holds the compact JSON text (numbers stay
exactly as sent); `context` the collector session beside it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from trackhub.config import statement_settings
from trackhub.errors import DependencyUnavailable
from trackhub.observability import logger
from trackhub.storage.clients import dynamodb_client, table
from trackhub.storage.errors import unavailable_on_outage
from trackhub.storage.items import iso, to_attribute_values
from trackhub.xapi.models import (
    StatementPage,
    StatementQuery,
    StoredStatement,
    activity_id,
    agent_ifi,
    index_value,
    registration,
    verb_id,
)

_WHAT = "the statements table"
BATCH_SIZE = 25  # BatchWriteItem's limit
_BACKOFF_CAP_SECONDS = 1.0
_MAX_ROUNDS = 20  # Query rounds per page when filters drop items; the page then ends early with `more`
sleep: Callable[[float], None] = time.sleep  # replaced in tests

# filter -> (index, attribute), most selective first
INDEXES: tuple[tuple[str, str, str], ...] = (
    ("registration", "ByRegistration", "RegPK"),
    ("agent", "ByAgent", "AgentPK"),
    ("activity", "ByActivity", "ActivityPK"),
    ("verb", "ByVerb", "VerbPK"),
)
ACCOUNT_INDEX = ("ByAccount", "AcctPK")
_SK_END = "~"  # sorts after every statement id character


def table_name() -> str:
    return statement_settings().STATEMENTS_TABLE_NAME


def _table() -> Any:
    return table(table_name())


def statement_key(account_id: str, statement_id: str) -> dict[str, str]:
    return {"PK": f"STMT#{account_id}#{statement_id}", "SK": "STMT"}


def _scoped(account_id: str, value: str | None) -> str | None:
    return f"{account_id}#{index_value(value)}" if value else None


def to_item(stored: StoredStatement) -> dict[str, Any]:
    statement, account = stored.statement, stored.account_id
    item: dict[str, Any] = {
        **statement_key(account, stored.statement_id),
        "accountId": account,
        "statementId": stored.statement_id,
        "stored": iso(stored.stored),
        "statement": json.dumps(statement, separators=(",", ":"), ensure_ascii=False),
        "AcctPK": account,
        "StoredSK": f"{iso(stored.stored)}#{stored.order:06d}#{stored.statement_id}",
    }
    for attribute, value in (
        ("VerbPK", verb_id(statement)),
        ("AgentPK", agent_ifi(statement.get("actor"))),
        ("ActivityPK", activity_id(statement)),
        ("RegPK", registration(statement)),
    ):
        scoped = _scoped(account, value)
        if scoped:
            item[attribute] = scoped
    if stored.context is not None:
        item["context"] = stored.context
    return item


def item_size(item: dict[str, Any]) -> int:
    """Close to DynamoDB's own count (names + values); the statement text dominates."""
    return sum(len(k) + len(str(v).encode("utf-8")) for k, v in item.items())


def transact_put(stored: StoredStatement) -> dict[str, Any]:
    """A TransactWriteItems entry writing this statement (the collector pairs it with an event)."""
    return {"Put": {"TableName": table_name(), "Item": to_attribute_values(to_item(stored))}}


def _backoff(attempt: int) -> float:
    base = statement_settings().STATEMENTS_WRITE_BACKOFF_MS / 1000
    return random.uniform(0, min(_BACKOFF_CAP_SECONDS, base * 2**attempt))  # noqa: S311 - jitter


def put_many(statements: Sequence[StoredStatement]) -> None:
    """Write every statement: BatchWriteItem in chunks of 25, re-sending UnprocessedItems with backoff.

    Returns only when all are written; raises DependencyUnavailable when the retries run out (the
    caller answers 503 and the client re-sends the batch: nothing it was told is stored is lost).
    """
    name, attempts = table_name(), statement_settings().STATEMENTS_WRITE_MAX_ATTEMPTS
    for start in range(0, len(statements), BATCH_SIZE):
        pending: list[dict[str, Any]] = [
            {"PutRequest": {"Item": to_attribute_values(to_item(s))}}
            for s in statements[start : start + BATCH_SIZE]
        ]
        for attempt in range(attempts):
            if attempt:
                sleep(_backoff(attempt))
            with unavailable_on_outage(_WHAT):
                answer = dynamodb_client().batch_write_item(RequestItems={name: pending})  # type: ignore[dict-item]
            pending = [dict(r) for r in answer.get("UnprocessedItems", {}).get(name, [])]
            if not pending:
                break
            logger.info("statements left unprocessed; retrying", extra={"count": len(pending)})
        else:
            raise DependencyUnavailable("the statements table is busy; retry the batch")


def get(account_id: str, statement_id: str) -> dict[str, Any] | None:
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=statement_key(account_id, statement_id), ConsistentRead=True).get("Item")
    return json.loads(item["statement"]) if item else None


def index_for(query: StatementQuery) -> tuple[str, str, str]:
    """(index name, partition attribute, partition value) for the query's most selective filter."""
    for name, index, attribute in INDEXES:
        value = getattr(query, name)
        if value:
            return index, attribute, f"{query.account_id}#{value}"
    return ACCOUNT_INDEX[0], ACCOUNT_INDEX[1], query.account_id


def _conditions(query: StatementQuery) -> tuple[ConditionBase, ConditionBase | None]:
    index, attribute, value = index_for(query)
    key: ConditionBase = Key(attribute).eq(value)
    if query.since and query.until:
        key = key & Key("StoredSK").between(f"{query.since}#{_SK_END}", f"{query.until}#{_SK_END}")
    elif query.since:
        key = key & Key("StoredSK").gt(f"{query.since}#{_SK_END}")
    elif query.until:
        key = key & Key("StoredSK").lt(f"{query.until}#{_SK_END}")
    extra: ConditionBase | None = None
    for name, other, other_attribute in INDEXES:
        value_of = getattr(query, name)
        if value_of and other != index:
            clause = Attr(other_attribute).eq(f"{query.account_id}#{value_of}")
            extra = clause if extra is None else extra & clause
    return key, extra


def query(q: StatementQuery) -> StatementPage:
    """One page in `stored` order; `next_key` is DynamoDB's own position, exact across rounds."""
    index = index_for(q)[0]
    key, extra = _conditions(q)
    found: list[dict[str, Any]] = []
    start = q.start_key
    for _ in range(_MAX_ROUNDS):
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": key,
            "ScanIndexForward": q.ascending,
            "Limit": q.limit - len(found),
        }
        if extra is not None:
            kwargs["FilterExpression"] = extra
        if start:
            kwargs["ExclusiveStartKey"] = start
        with unavailable_on_outage(_WHAT):
            page = _table().query(**kwargs)
        found.extend(json.loads(item["statement"]) for item in page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start or len(found) >= q.limit:
            break
    return StatementPage(
        statements=tuple(found), next_key={k: str(v) for k, v in start.items()} if start else None
    )
