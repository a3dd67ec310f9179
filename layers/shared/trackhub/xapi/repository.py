"""DynamoDB access for statements: one item per statement plus small posting items per filter value.

    item        PK                          SK                   other attributes
    statement   STMT#<accountId>#<id>       STMT                 statement (JSON text), stored, F, context,
                                                                 AcctPK + StoredSK (ByAccount; removed
                                                                 when voided), voided
    posting     STMT#<accountId>#<id>       P#<field>#<digest>   PostPK = <accountId>#<field>#<digest>,
                                                                 StoredSK, F, statementId (ByPosting)

    StoredSK    <stored ISO ms Z>#<n>#<statementId>   `stored` order (n: position in its batch);
                                                      since/until are key ranges
    F           string set of `<field>#<digest>`: every filter value the statement matches
                (models.filter_tags, plus its StatementRef target's)

Postings exist for the multi-valued fields a query can start from (ragent, ract, verb, reg, see
models.FIELDS): a query reads the ByPosting partition of its most selective filter, checks the
other filters on that posting's `F`, then fetches the statements by key (consistent). Unfiltered
queries read ByAccount. Every documented query is a Query or a key lookup, never a Scan. Postings
are written in the same request as their statement (one transaction for LRS writes).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from trackhub.config import statement_settings
from trackhub.errors import DependencyUnavailable
from trackhub.observability import logger
from trackhub.storage.clients import dynamodb_client, table
from trackhub.storage.errors import error_code, unavailable_on_outage
from trackhub.storage.items import from_attribute_values, iso, to_attribute_values
from trackhub.xapi.models import StatementPage, StatementQuery, StoredStatement, filter_tags

_WHAT = "the statements table"
BATCH_SIZE = 25  # BatchWriteItem's limit
TRANSACTION_ITEMS = 100  # TransactWriteItems' limit
_GET_BATCH = 100  # BatchGetItem's limit
_BACKOFF_CAP_SECONDS = 1.0
WRITE_THREADS = 8  # concurrent BatchWriteItem calls of one put_many (boto3 clients are thread-safe)
_MAX_ROUNDS = 20  # Query rounds per page when filters drop items; the page then ends early with `more`
sleep: Callable[[float], None] = time.sleep  # replaced in tests

POSTING_FIELDS = ("reg", "ragent", "ract", "verb")  # most selective first: the partition a query reads
ACCOUNT_INDEX = ("ByAccount", "AcctPK")
POSTING_INDEX = ("ByPosting", "PostPK")
_SK_END = "~"  # sorts after every statement id character
_STATEMENT_SK = "STMT"


class WriteRejected(Exception):
    """A conditional write failed: a statement id exists already (or a voided target vanished)."""


def table_name() -> str:
    return statement_settings().STATEMENTS_TABLE_NAME


def _table() -> Any:
    return table(table_name())


def statement_key(account_id: str, statement_id: str) -> dict[str, str]:
    return {"PK": f"STMT#{account_id}#{statement_id}", "SK": _STATEMENT_SK}


def stored_sk(stored: StoredStatement) -> str:
    return f"{iso(stored.stored)}#{stored.order:06d}#{stored.statement_id}"


def to_item(stored: StoredStatement, tags: Iterable[str] | None = None) -> dict[str, Any]:
    """The statement's own item; `tags` defaults to the statement's own filter tags."""
    statement, account = stored.statement, stored.account_id
    tag_set = set(filter_tags(statement) if tags is None else tags)
    item: dict[str, Any] = {
        **statement_key(account, stored.statement_id),
        "accountId": account,
        "statementId": stored.statement_id,
        "stored": iso(stored.stored),
        "statement": json.dumps(statement, separators=(",", ":"), ensure_ascii=False),
        "AcctPK": account,
        "StoredSK": stored_sk(stored),
    }
    if tag_set:
        item["F"] = tag_set
    if stored.context is not None:
        item["context"] = stored.context
    return item


def postings(stored: StoredStatement, tags: Iterable[str]) -> list[dict[str, Any]]:
    """One small item per value of a posting field (see POSTING_FIELDS)."""
    tag_set = set(tags)
    account, sk = stored.account_id, stored_sk(stored)
    return [
        {
            "PK": f"STMT#{account}#{stored.statement_id}",
            "SK": f"P#{tag}",
            "PostPK": f"{account}#{tag}",
            "StoredSK": sk,
            "F": tag_set,
            "statementId": stored.statement_id,
        }
        for tag in sorted(tag_set)
        if tag.split("#", 1)[0] in POSTING_FIELDS
    ]


def items_of(stored: StoredStatement, tags: Iterable[str] | None = None) -> list[dict[str, Any]]:
    tag_set = set(filter_tags(stored.statement) if tags is None else tags)
    return [to_item(stored, tag_set), *postings(stored, tag_set)]


def item_size(item: dict[str, Any]) -> int:
    """Close to DynamoDB's own count (names + values); the statement text dominates."""
    return sum(len(k) + len(str(v).encode("utf-8")) for k, v in item.items())


def transact_puts(
    stored: StoredStatement, tags: Iterable[str] | None = None, *, new_only: bool = False
) -> list[dict[str, Any]]:
    """TransactWriteItems entries writing this statement and its postings; `new_only` adds the
    condition that the id is not taken yet (the LRS's conflict guard)."""
    name = table_name()
    entries: list[dict[str, Any]] = []
    for item in items_of(stored, tags):
        put: dict[str, Any] = {"TableName": name, "Item": to_attribute_values(item)}
        if new_only:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        entries.append({"Put": put})
    return entries


def transact_put(stored: StoredStatement) -> dict[str, Any]:
    """The statement's own item only (kept for callers that write postings separately)."""
    return {"Put": {"TableName": table_name(), "Item": to_attribute_values(to_item(stored))}}


def void_entries(account_id: str, target: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Mark a stored statement (its raw item) voided: out of ByAccount and, postings deleted, out of
    ByPosting; still readable by key for voidedStatementId."""
    name, key = table_name(), statement_key(account_id, str(target["statementId"]))
    entries: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": name,
                "Key": to_attribute_values(key),
                "UpdateExpression": "SET voided = :t REMOVE AcctPK",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeValues": {":t": {"BOOL": True}},
            }
        }
    ]
    tags: Iterable[Any] = target.get("F") or ()
    for tag in sorted(str(t) for t in tags):
        if str(tag).split("#", 1)[0] in POSTING_FIELDS:
            posting = {"PK": key["PK"], "SK": f"P#{tag}"}
            entries.append({"Delete": {"TableName": name, "Key": to_attribute_values(posting)}})
    return entries


def _raise_write_failure(exc: ClientError) -> NoReturn:
    code = error_code(exc)
    if code == "TransactionCanceledException":
        response: dict[str, Any] = dict(exc.response)
        reasons = [str(r.get("Code") or "None") for r in response.get("CancellationReasons") or []]
        if "ConditionalCheckFailed" in reasons:
            raise WriteRejected from exc
        raise DependencyUnavailable(f"{_WHAT} is busy; retry the request") from exc
    if code in ("TransactionConflictException", "TransactionInProgressException"):
        raise DependencyUnavailable(f"{_WHAT} is busy; retry the request") from exc
    raise exc


def transact(entries: Sequence[dict[str, Any]]) -> None:
    """One TransactWriteItems (at most TRANSACTION_ITEMS entries): all or nothing."""
    try:
        with unavailable_on_outage(_WHAT):
            dynamodb_client().transact_write_items(TransactItems=list(entries))  # type: ignore[arg-type]
    except ClientError as exc:
        _raise_write_failure(exc)


def _backoff(attempt: int) -> float:
    base = statement_settings().STATEMENTS_WRITE_BACKOFF_MS / 1000
    return random.uniform(0, min(_BACKOFF_CAP_SECONDS, base * 2**attempt))  # noqa: S311 - jitter


def _write_chunk(name: str, pending: list[dict[str, Any]], attempts: int) -> None:
    for attempt in range(attempts):
        if attempt:
            sleep(_backoff(attempt))
        with unavailable_on_outage(_WHAT):
            answer = dynamodb_client().batch_write_item(RequestItems={name: pending})  # type: ignore[dict-item]
        pending = [dict(r) for r in answer.get("UnprocessedItems", {}).get(name, [])]
        if not pending:
            return
        logger.info("statements left unprocessed; retrying", extra={"count": len(pending)})
    raise DependencyUnavailable("the statements table is busy; retry the batch")


def put_many(statements: Sequence[StoredStatement]) -> None:
    """Write every statement with its postings (the collector's path, no conditions): BatchWriteItem
    in chunks of 25, WRITE_THREADS chunks at a time (a statement is ~5 items, so a near-1 MB batch
    is ~600 calls: latency-bound, not throughput-bound), re-sending UnprocessedItems with backoff.

    Returns only when all are written; raises DependencyUnavailable when the retries run out (the
    caller answers 503 and the client re-sends the batch: nothing it was told is stored is lost).
    """
    name, attempts = table_name(), statement_settings().STATEMENTS_WRITE_MAX_ATTEMPTS
    requests = [{"PutRequest": {"Item": to_attribute_values(i)}} for s in statements for i in items_of(s)]
    chunks = [requests[start : start + BATCH_SIZE] for start in range(0, len(requests), BATCH_SIZE)]
    if len(chunks) <= 1:
        for chunk in chunks:
            _write_chunk(name, chunk, attempts)
        return
    with ThreadPoolExecutor(max_workers=min(WRITE_THREADS, len(chunks))) as pool:
        for done in [pool.submit(_write_chunk, name, chunk, attempts) for chunk in chunks]:
            done.result()  # re-raises DependencyUnavailable (or any other failure) here


def get_item(account_id: str, statement_id: str) -> dict[str, Any] | None:
    """The raw item (strongly consistent): `statement` text, `voided`, `F`, ..."""
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=statement_key(account_id, statement_id), ConsistentRead=True).get("Item")
    return dict(item) if item else None


def get(account_id: str, statement_id: str) -> dict[str, Any] | None:
    """A statement that is not voided, by id."""
    item = get_item(account_id, statement_id)
    return json.loads(item["statement"]) if item and not item.get("voided") else None


def get_items(account_id: str, statement_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Raw items by id (consistent BatchGetItem), missing ids absent."""
    name, ids = table_name(), sorted(set(statement_ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _GET_BATCH):
        keys: list[dict[str, Any]] = [
            to_attribute_values(statement_key(account_id, i)) for i in ids[start : start + _GET_BATCH]
        ]
        request: dict[str, Any] = {name: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(statement_settings().STATEMENTS_WRITE_MAX_ATTEMPTS):
            if attempt:
                sleep(_backoff(attempt))
            with unavailable_on_outage(_WHAT):
                answer = dynamodb_client().batch_get_item(RequestItems=request)
            for raw in answer.get("Responses", {}).get(name, []):
                item = from_attribute_values(dict(raw))
                found[str(item["statementId"])] = item
            request = dict(answer.get("UnprocessedKeys") or {})
            if not request:
                break
        else:
            raise DependencyUnavailable(f"{_WHAT} is busy; retry the request")
    return found


# ------------------------------------------------------------------ queries
def wanted_tags(query: StatementQuery) -> list[str]:
    """The `F` tags a statement must carry to match the query's filters."""
    tags = []
    if query.registration:
        tags.append(f"reg#{query.registration}")
    if query.agent:
        tags.append(f"{'ragent' if query.related_agents else 'agent'}#{query.agent}")
    if query.activity:
        tags.append(f"{'ract' if query.related_activities else 'act'}#{query.activity}")
    if query.verb:
        tags.append(f"verb#{query.verb}")
    return tags


def index_for(query: StatementQuery) -> tuple[str, str, str]:
    """(index name, partition attribute, partition value) of the query's most selective filter."""
    tags = wanted_tags(query)
    if not tags:
        return ACCOUNT_INDEX[0], ACCOUNT_INDEX[1], query.account_id
    # agent/act (direct) are read from their broad posting (ragent/ract) and checked on F
    field, digest = tags[0].split("#", 1)
    partition = {"agent": "ragent", "act": "ract"}.get(field, field)
    return POSTING_INDEX[0], POSTING_INDEX[1], f"{query.account_id}#{partition}#{digest}"


def _conditions(query: StatementQuery) -> tuple[ConditionBase, ConditionBase | None]:
    _index, attribute, value = index_for(query)
    key: ConditionBase = Key(attribute).eq(value)
    if query.since and query.until:
        key = key & Key("StoredSK").between(f"{query.since}#{_SK_END}", f"{query.until}#{_SK_END}")
    elif query.since:
        key = key & Key("StoredSK").gt(f"{query.since}#{_SK_END}")
    elif query.until:
        key = key & Key("StoredSK").lt(f"{query.until}#{_SK_END}")
    partition_tag = value.split("#", 1)[1] if "#" in value else None
    extra: ConditionBase | None = None
    for tag in wanted_tags(query):
        if tag != partition_tag:
            clause = Attr("F").contains(tag)
            extra = clause if extra is None else extra & clause
    return key, extra


def query(q: StatementQuery) -> StatementPage:
    """One page in `stored` order; `next_key` is DynamoDB's own position, exact across rounds and
    unaffected by later writes (a key is a position, not an offset)."""
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
        found.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start or len(found) >= q.limit:
            break
    if index == POSTING_INDEX[0]:
        items = get_items(q.account_id, (str(p["statementId"]) for p in found))
        # a posting can outlive its statement's voiding by a moment (GSIs are eventually consistent)
        found = [items[i] for i in (str(p["statementId"]) for p in found) if i in items]
        found = [item for item in found if not item.get("voided")]
    return StatementPage(
        statements=tuple(json.loads(item["statement"]) for item in found),
        next_key={k: str(v) for k, v in start.items()} if start else None,
    )
