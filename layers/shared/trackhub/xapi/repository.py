"""DynamoDB access for statements: one item per statement plus one posting item per filter value and
write group (the statements one request stores together).

    item        PK                          SK                   other attributes
    statement   STMT#<accountId>#<id>       STMT                 statement (JSON text), stored, F, context,
                                                                 AcctPK + StoredSK (ByAccount; removed
                                                                 when voided), voided
    posting     STMT#<accountId>#<first>    G#<field>#<digest>   PostPK = <accountId>#<field>#<digest>,
                                                                 StoredSK (of the group's first statement),
                                                                 I (the group's ids with that value, in
                                                                 `stored` order, comma-separated),
                                                                 statementId (the group's newest)

    StoredSK    <stored ISO ms Z>#<n>#<statementId>   `stored` order (n: position in its batch);
                                                      since/until are key ranges
    F           string set of `<field>#<digest>`: every filter value the statement matches
                (models.filter_tags, plus its StatementRef target's)

A write group is up to GROUP_SIZE statements of one request, all with the same `stored`; `<first>` is
its first statement's id, so a group's key is unique and a re-sent group overwrites itself. Postings
exist for the multi-valued fields a query can start from (ragent, ract, verb, reg, see
models.FIELDS): a batch of 100 statements of one actor with 4 verbs and 7 activities writes ~13
postings, not 400. A query reads the ByPosting partition of its most selective filter, fetches the
listed statements by key (consistent) and checks the other filters on their `F`. Postings are never
changed after they are written (voiding marks the statement only; reads skip voided statements), so
a position inside a posting (its key + how many ids were read) stays valid while writers add groups.
Every documented query is a Query or a key lookup, never a Scan. Postings are written in the same
request as their statements (in the same transaction for LRS writes).

    batch       BATCH#<accountId>#<batchId>  BATCH                state (committed | aborted), accountId,
                                                                  batchId, stored

An LRS request needing several transactions marks each statement item and posting with `B` = its
batch id and commits by creating the batch record last (docs/xapi-lrs.md, "Batches"). Every read
treats an item or posting whose `B` names no committed record as absent (`uncommitted`); items
without `B` need no extra call.
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, NoReturn

from boto3.dynamodb.conditions import ConditionBase, Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from trackhub.config import statement_settings
from trackhub.errors import DependencyUnavailable
from trackhub.observability import logger
from trackhub.storage.clients import dynamodb_client, table
from trackhub.storage.errors import error_code, unavailable_on_outage
from trackhub.storage.items import from_attribute_values, iso, to_attribute_values, utc_now
from trackhub.xapi.records import StatementPage, StatementQuery, StoredStatement

_WHAT = "the statements table"
BATCH_SIZE = 25  # BatchWriteItem's limit
TRANSACTION_ITEMS = 100  # TransactWriteItems' limit
_GET_BATCH = 100  # BatchGetItem's limit
_BACKOFF_CAP_SECONDS = 1.0
WRITE_THREADS = 8  # concurrent BatchWriteItem calls of one put_many (boto3 clients are thread-safe)
_MAX_ROUNDS = 20  # Query rounds per page when filters drop items; the page then ends early with `more`
sleep: Callable[[float], None] = time.sleep  # replaced in tests
_serializer = TypeSerializer()

POSTING_FIELDS = ("reg", "ragent", "ract", "verb")  # most selective first: the partition a query reads
ACCOUNT_INDEX = ("ByAccount", "AcctPK")
POSTING_INDEX = ("ByPosting", "PostPK")
_SK_END = "~"  # sorts after every statement id character
STATEMENT_SK = "STMT"
GROUP_SIZE = 100  # statements per write group: a posting lists at most 100 ids (~3.7 KB)
_POSTINGS_PER_QUERY = 10  # posting items per Query round of a filtered read
BATCH_ATTRIBUTE = "B"  # on the statement items of an LRS request spanning several transactions
_BATCH_SK = "BATCH"
COMMITTED, ABORTED = "committed", "aborted"


class WriteRejected(Exception):
    """A conditional write failed: a statement id exists already (or a voided target vanished)."""


def _value(value: Any) -> dict[str, Any]:
    """One attribute value in DynamoDB's JSON: the types statement items hold, directly (boto3's
    TypeSerializer checks every type in turn: a third of a batch's CPU on the client), others by it."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int:
        return {"N": str(value)}
    if kind is dict:
        return {"M": {str(k): _value(v) for k, v in value.items()}}
    if kind is set and value and all(type(v) is str for v in value):
        return {"SS": sorted(value)}
    return dict(_serializer.serialize(value))


def attribute_values(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _value(value) for key, value in item.items()}


def table_name() -> str:
    return statement_settings().STATEMENTS_TABLE_NAME


def _table() -> Any:
    return table(table_name())


def statement_key(account_id: str, statement_id: str) -> dict[str, str]:
    return {"PK": f"STMT#{account_id}#{statement_id}", "SK": STATEMENT_SK}


def stored_sk(stored: StoredStatement) -> str:
    return f"{iso(stored.stored)}#{stored.order:06d}#{stored.statement_id}"


def to_item(stored: StoredStatement, tags: Iterable[str] | None = None) -> dict[str, Any]:
    """The statement's own item; `tags` defaults to the statement's own filter tags."""
    account = stored.account_id
    tag_set = set(stored.tags if tags is None else tags)
    item: dict[str, Any] = {
        **statement_key(account, stored.statement_id),
        "accountId": account,
        "statementId": stored.statement_id,
        "stored": iso(stored.stored),
        "statement": stored.text,
        "AcctPK": account,
        "StoredSK": stored_sk(stored),
    }
    if tag_set:
        item["F"] = tag_set
    if stored.context is not None:
        item["context"] = stored.context
    return item


def is_posting(tag: str) -> bool:
    return tag.split("#", 1)[0] in POSTING_FIELDS


def postings(members: Sequence[tuple[StoredStatement, Iterable[str]]]) -> list[dict[str, Any]]:
    """The posting items of one write group: (statement, its filter tags) in `stored` order, all of one
    account and one `stored` instant (see GROUP_SIZE). Statements with no posting tag add nothing."""
    if not members:
        return []
    first = members[0][0]
    by_tag: dict[str, list[str]] = {}
    for stored, tags in members:
        if stored.account_id != first.account_id or stored.stored != first.stored:
            raise ValueError("a write group holds statements of one account and one `stored` instant")
        for tag in tags:
            if is_posting(tag):
                by_tag.setdefault(tag, []).append(stored.statement_id)
    account, sk = first.account_id, stored_sk(first)
    return [
        {
            "PK": f"STMT#{account}#{first.statement_id}",
            "SK": f"G#{tag}",
            "PostPK": f"{account}#{tag}",
            "StoredSK": sk,
            "I": ",".join(ids),
            "statementId": ids[-1],
        }
        for tag, ids in sorted(by_tag.items())
    ]


def posting_ids(posting: Mapping[str, Any]) -> list[str]:
    """The statement ids a posting item lists, in `stored` order."""
    return str(posting.get("I") or "").split(",") if posting.get("I") else []


def groups(statements: Sequence[StoredStatement]) -> list[list[StoredStatement]]:
    """Consecutive runs of at most GROUP_SIZE statements sharing account and `stored`."""
    out: list[list[StoredStatement]] = []
    for stored in statements:
        last = out[-1] if out else None
        if (
            last is None
            or len(last) >= GROUP_SIZE
            or last[0].stored != stored.stored
            or last[0].account_id != stored.account_id
        ):
            out.append([stored])
        else:
            last.append(stored)
    return out


def items_of(statements: Sequence[StoredStatement]) -> list[dict[str, Any]]:
    """Every item storing these statements: each statement's own item, then each group's postings."""
    items: list[dict[str, Any]] = []
    for group in groups(statements):
        members = [(s, s.tags) for s in group]
        items.extend(to_item(s, tags) for s, tags in members)
        items.extend(postings(members))
    return items


def item_size(item: dict[str, Any]) -> int:
    """Close to DynamoDB's own count (names + values); the statement text dominates."""
    return sum(len(k) + len(str(v).encode("utf-8")) for k, v in item.items())


def statement_put(
    stored: StoredStatement,
    tags: Iterable[str] | None = None,
    *,
    new_only: bool = False,
    batch: str | None = None,
    replaces: str | None = None,
) -> dict[str, Any]:
    """The TransactWriteItems entry writing the statement's own item; `new_only` adds the condition
    that the id is not taken yet (the LRS's conflict guard). `batch`: the multi-transaction batch the
    item belongs to (invisible until its record commits). `replaces`: the uncommitted batch whose item
    under this id may be overwritten (exactly that one: pair it with `batch_abort_put`)."""
    item = to_item(stored, tags)
    if batch is not None:
        item[BATCH_ATTRIBUTE] = batch
    put: dict[str, Any] = {"TableName": table_name(), "Item": attribute_values(item)}
    if new_only and replaces is not None:
        put["ConditionExpression"] = "attribute_not_exists(PK) OR #b = :b"
        put["ExpressionAttributeNames"] = {"#b": BATCH_ATTRIBUTE}
        put["ExpressionAttributeValues"] = {":b": {"S": replaces}}
    elif new_only:
        put["ConditionExpression"] = "attribute_not_exists(PK)"
    return {"Put": put}


def batch_key(account_id: str, batch_id: str) -> dict[str, str]:
    return {"PK": f"BATCH#{account_id}#{batch_id}", "SK": _BATCH_SK}


def _batch_record(account_id: str, batch_id: str, state: str) -> dict[str, Any]:
    record = {**batch_key(account_id, batch_id), "accountId": account_id, "batchId": batch_id}
    return attribute_values({**record, "state": state, "stored": iso(utc_now())})


def batch_commit_put(account_id: str, batch_id: str) -> dict[str, Any]:
    """The entry that makes a batch visible; fails when a concurrent writer aborted the batch."""
    return {
        "Put": {
            "TableName": table_name(),
            "Item": _batch_record(account_id, batch_id, COMMITTED),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def batch_abort_put(account_id: str, batch_id: str) -> dict[str, Any]:
    """The entry a writer overwriting an uncommitted batch's items adds: a tombstone that makes the
    batch's own commit fail, so a batch still in flight never commits items it no longer holds. Fails
    (cancelling the writer's transaction) when the batch committed meanwhile."""
    return {
        "Put": {
            "TableName": table_name(),
            "Item": _batch_record(account_id, batch_id, ABORTED),
            "ConditionExpression": "attribute_not_exists(PK) OR #s = :aborted",
            "ExpressionAttributeNames": {"#s": "state"},
            "ExpressionAttributeValues": {":aborted": {"S": ABORTED}},
        }
    }


def posting_puts(
    members: Sequence[tuple[StoredStatement, Iterable[str]]], batch: str | None = None
) -> list[dict[str, Any]]:
    """TransactWriteItems entries writing one write group's postings (unconditional: a group's key is
    its first statement's, whose own Put carries the conflict guard). `batch`: the postings belong to
    that multi-transaction batch, and readers ignore them unless it committed (so the postings of an
    aborted attempt never list a statement a later writer stored under another group)."""
    name, extra = table_name(), {BATCH_ATTRIBUTE: batch} if batch else {}
    return [{"Put": {"TableName": name, "Item": attribute_values({**p, **extra})}} for p in postings(members)]


def void_entries(account_id: str, target: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Mark a stored statement (its raw item) voided: out of ByAccount; its group's postings still list
    it (they are shared and immutable) and filtered reads skip it; still readable by key for
    voidedStatementId."""
    key = statement_key(account_id, str(target["statementId"]))
    return [
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_attribute_values(key),
                "UpdateExpression": "SET voided = :t REMOVE AcctPK",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeValues": {":t": {"BOOL": True}},
            }
        }
    ]


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


def put_entries(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unconditional TransactWriteItems Puts of these items (the collector's single-transaction track)."""
    name = table_name()
    return [{"Put": {"TableName": name, "Item": attribute_values(item)}} for item in items]


def put_many(items: Sequence[dict[str, Any]], *, batch: str | None = None) -> None:
    """Write statement and posting items (`items_of`: the collector's path, no conditions):
    BatchWriteItem in chunks of 25, WRITE_THREADS chunks at a time (a statement is ~1.1 items, so a
    near-1 MB batch of ~3,000 statements is ~140 calls), re-sending UnprocessedItems with backoff.
    `batch`: every item carries it, invisible to readers until that batch's record commits.

    Returns only when all are written; raises DependencyUnavailable when the retries run out (the
    caller answers 503 and the client re-sends the batch).
    """
    name, attempts = table_name(), statement_settings().STATEMENTS_WRITE_MAX_ATTEMPTS
    marker = {BATCH_ATTRIBUTE: batch} if batch else {}

    def chunk(start: int) -> list[dict[str, Any]]:
        part = items[start : start + BATCH_SIZE]
        return [{"PutRequest": {"Item": attribute_values({**i, **marker})}} for i in part]

    if len(items) <= BATCH_SIZE:
        if items:
            _write_chunk(name, chunk(0), attempts)
        return
    # each chunk goes out as soon as it is typed: the first write is under way while the rest are built
    starts = range(0, len(items), BATCH_SIZE)
    pending = [_writers().submit(_write_chunk, name, chunk(at), attempts) for at in starts]
    wait(pending)  # every chunk has finished (written or failed) before the answer
    for done in pending:
        done.result()  # re-raises DependencyUnavailable (or any other failure) here


@functools.cache
def _writers() -> ThreadPoolExecutor:
    """The threads of put_many, kept for the environment's life: starting WRITE_THREADS threads per
    request cost more than a chunk's write (each start waits for the new thread to run)."""
    return ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="statements")


def get_item(account_id: str, statement_id: str) -> dict[str, Any] | None:
    """The raw item (strongly consistent): `statement` text, `voided`, `F`, ..."""
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=statement_key(account_id, statement_id), ConsistentRead=True).get("Item")
    return dict(item) if item else None


def get(account_id: str, statement_id: str) -> dict[str, Any] | None:
    """A statement that is not voided, by id."""
    item = get_visible_item(account_id, statement_id)
    return json.loads(item["statement"]) if item and not item.get("voided") else None


def _batch_get(keys: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Items by key (consistent BatchGetItem, 100 keys a call, UnprocessedKeys re-sent with backoff)."""
    name = table_name()
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), _GET_BATCH):
        wanted = [to_attribute_values(dict(k)) for k in keys[start : start + _GET_BATCH]]
        request: dict[str, Any] = {name: {"Keys": wanted, "ConsistentRead": True}}
        for attempt in range(statement_settings().STATEMENTS_WRITE_MAX_ATTEMPTS):
            if attempt:
                sleep(_backoff(attempt))
            with unavailable_on_outage(_WHAT):
                answer = dynamodb_client().batch_get_item(RequestItems=request)
            found += [from_attribute_values(dict(raw)) for raw in answer.get("Responses", {}).get(name, [])]
            request = dict(answer.get("UnprocessedKeys") or {})
            if not request:
                break
        else:
            raise DependencyUnavailable(f"{_WHAT} is busy; retry the request")
    return found


def get_items(account_id: str, statement_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Raw items by id (consistent BatchGetItem), missing ids absent; uncommitted ones included."""
    keys = [statement_key(account_id, i) for i in sorted(set(statement_ids))]
    return {str(item["statementId"]): item for item in _batch_get(keys)}


def uncommitted(account_id: str, items: Iterable[Mapping[str, Any]]) -> set[str]:
    """The batch ids among these items' `B` whose batch has not committed (no record, or a tombstone):
    no call when none carries `B`, else one consistent BatchGetItem of the distinct records."""
    named = sorted({str(item[BATCH_ATTRIBUTE]) for item in items if item.get(BATCH_ATTRIBUTE)})
    if not named:
        return set()
    records = _batch_get([batch_key(account_id, batch) for batch in named])
    committed = {str(r["batchId"]) for r in records if r.get("state") == COMMITTED}
    return set(named) - committed


def batch_committed(account_id: str, batch_id: str) -> bool:
    return not uncommitted(account_id, [{BATCH_ATTRIBUTE: batch_id}])


def in_batch(item: Mapping[str, Any], batches: set[str]) -> bool:
    """Whether the item belongs to one of these batches."""
    return bool(item.get(BATCH_ATTRIBUTE)) and str(item[BATCH_ATTRIBUTE]) in batches


def visible(account_id: str, items: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The items a reader may see: those of uncommitted batches dropped."""
    hidden = uncommitted(account_id, items.values())
    return {key: item for key, item in items.items() if not in_batch(item, hidden)} if hidden else dict(items)


def get_visible_item(account_id: str, statement_id: str) -> dict[str, Any] | None:
    """As get_item, None for an item of an uncommitted batch."""
    item = get_item(account_id, statement_id)
    return visible(account_id, {statement_id: item}).get(statement_id) if item else None


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


def _key_condition(query: StatementQuery) -> ConditionBase:
    _index, attribute, value = index_for(query)
    key: ConditionBase = Key(attribute).eq(value)
    if query.since and query.until:
        key = key & Key("StoredSK").between(f"{query.since}#{_SK_END}", f"{query.until}#{_SK_END}")
    elif query.since:
        key = key & Key("StoredSK").gt(f"{query.since}#{_SK_END}")
    elif query.until:
        key = key & Key("StoredSK").lt(f"{query.until}#{_SK_END}")
    return key


def query(q: StatementQuery) -> StatementPage:
    """One page in `stored` order; `next_key` is a position (a key, plus for postings how many of its
    ids were read), exact across rounds and unaffected by later writes."""
    if index_for(q)[0] == POSTING_INDEX[0]:
        return _posting_query(q)
    found: list[dict[str, Any]] = []
    start = q.start_key
    with unavailable_on_outage(_WHAT):
        page = _table().query(
            IndexName=ACCOUNT_INDEX[0],
            KeyConditionExpression=_key_condition(q),
            ScanIndexForward=q.ascending,
            Limit=q.limit,
            **({"ExclusiveStartKey": start} if start else {}),
        )
    found = page.get("Items", [])
    hidden = uncommitted(q.account_id, found)
    if hidden:  # the page comes out shorter; `more` (DynamoDB's position) stays exact
        found = [item for item in found if not in_batch(item, hidden)]
    start = page.get("LastEvaluatedKey")
    return StatementPage(
        statements=tuple(json.loads(item["statement"]) for item in found),
        next_key={k: str(v) for k, v in start.items()} if start else None,
    )


def _posting_key(posting: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(posting[k]) for k in ("PK", "SK", POSTING_INDEX[1], "StoredSK")}


class _Postings:
    """The ids of a ByPosting partition in query order, read posting by posting from a position."""

    def __init__(self, q: StatementQuery) -> None:
        self.q = q
        self.queue: list[tuple[dict[str, Any], list[str], int]] = []  # posting, ids in order, read
        self.last: dict[str, Any] | None = None  # ExclusiveStartKey of the next Query
        self.done = False
        start = dict(q.start_key or {})
        read = start.pop("pos", None)
        if start:
            self.last = start
        if start and read is not None:  # resume inside this posting
            with unavailable_on_outage(_WHAT):
                posting = (
                    _table()
                    .get_item(Key={"PK": start["PK"], "SK": start["SK"]}, ConsistentRead=True)
                    .get("Item")
                )
            if posting is not None:
                self.queue.append((dict(posting), self._ordered(posting), int(read)))

    def _ordered(self, posting: Mapping[str, Any]) -> list[str]:
        ids = posting_ids(posting)
        return ids if self.q.ascending else ids[::-1]

    def _refill(self) -> None:
        with unavailable_on_outage(_WHAT):
            page = _table().query(
                IndexName=POSTING_INDEX[0],
                KeyConditionExpression=_key_condition(self.q),
                ScanIndexForward=self.q.ascending,
                Limit=_POSTINGS_PER_QUERY,
                **({"ExclusiveStartKey": self.last} if self.last else {}),
            )
        self.queue.extend((dict(p), self._ordered(p), 0) for p in page.get("Items", []))
        self.last = page.get("LastEvaluatedKey")
        self.done = self.last is None

    def take(self, count: int) -> list[tuple[str, dict[str, str], str | None]]:
        """Up to `count` next ids, each with the position just after it and its posting's batch."""
        taken: list[tuple[str, dict[str, str], str | None]] = []
        while len(taken) < count:
            if not self.queue:
                if self.done:
                    break
                self._refill()
                continue
            posting, ids, read = self.queue[0]
            owner = str(posting[BATCH_ATTRIBUTE]) if posting.get(BATCH_ATTRIBUTE) else None
            for statement_id in ids[read : read + count - len(taken)]:
                read += 1
                taken.append((statement_id, {**_posting_key(posting), "pos": str(read)}, owner))
            if read >= len(ids):
                self.queue.pop(0)
            else:
                self.queue[0] = (posting, ids, read)
        return taken

    def exhausted(self) -> bool:
        return not self.queue and self.done


def _posting_query(q: StatementQuery) -> StatementPage:
    """Filtered page: ids from the most selective posting partition, statements by key (consistent),
    the other filters checked on each statement's `F`, voided statements skipped, and statements or
    postings of uncommitted batches skipped (one more BatchGetItem a round, only when any carries `B`)."""
    wanted = set(wanted_tags(q))

    def matches(item: Mapping[str, Any] | None) -> bool:
        return item is not None and not item.get("voided") and wanted <= {str(t) for t in item.get("F") or ()}

    source = _Postings(q)
    found: list[dict[str, Any]] = []
    returned: set[str] = set()  # a collector re-send grouped differently can list an id twice
    position: dict[str, str] | None = None
    more = True
    for _ in range(_MAX_ROUNDS):
        batch = source.take(q.limit - len(found))
        raw = get_items(q.account_id, (i for i, _, _ in batch)) if batch else {}
        hidden = uncommitted(q.account_id, [*raw.values(), *({BATCH_ATTRIBUTE: o} for _, _, o in batch if o)])
        items = {i: item for i, item in raw.items() if not in_batch(item, hidden)}
        listed = [(i, after, owner is None or owner not in hidden) for i, after, owner in batch]
        for index, (statement_id, after, shown) in enumerate(listed):
            position = after
            if shown and statement_id not in returned and matches(items.get(statement_id)):
                returned.add(statement_id)
                found.append(items[statement_id])
                if len(found) == q.limit:
                    rest = listed[index + 1 :]
                    more = not source.exhausted() or any(ok and matches(items.get(i)) for i, _, ok in rest)
                    break
        if len(found) == q.limit:
            break
        if source.exhausted():
            more = False
            break
    return StatementPage(
        statements=tuple(json.loads(item["statement"]) for item in found),
        next_key=position if more else None,
    )
