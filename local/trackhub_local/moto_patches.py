"""Fixes to moto behaviour the local stack depends on.

moto deep-copies every table a TransactWriteItems touches before applying it, to put the copy back
if it is cancelled: each transaction cost O(table size) (the events table's publish slowed from 20 to
over 150 ms within a few hundred events), and the restored copy carried a new stream shard that
open shard iterators never saw again. The patch snapshots only the items the transaction names,
restores those on cancellation and drops the stream records it appended (DynamoDB never streams a
cancelled write); the tables stay the live objects.

DynamoDB applies a TransactWriteItems once per ClientRequestToken (for 10 minutes); moto applied it
again. botocore retries a call whose answer it did not get (a read timeout on a busy machine), so the
retry of a committed transaction failed its own conditions: a fresh event answered 409.

moto checks DynamoDB's 400 KB item limit on every attribute it sets, re-measuring every attribute
already set: building an item of n attributes measures O(n²) attribute values, the largest single
cost of storing statements in the local stack. The patch measures a new item once.

moto parses each DynamoDB request body twice: json.loads, then a walk of the operation's botocore
shape that only converts blobs (and timestamps, floats, which item operations do not carry) - as
costly as the operation itself for a BatchWriteItem of 25 items. Item operations without binary
values keep json.loads' result. The same holds for the answers: moto walks the output shape of every
item operation to write JSON that json.dumps writes alike from the plain result (an answer holding
anything else - bytes, dates, errors - still takes the walk).

moto builds a DynamoType per attribute value by probing its type through several methods, and
measures one by walking it again (a set's members and a map's values are each wrapped in a new
DynamoType just to be measured): together about two thirds of the ~100 us moto spent storing one
statement item. The patch builds the same objects directly and measures values without re-wrapping
(same types, values and sizes; `test_local_moto_speedups.py` compares them with moto's own).

moto's BatchWriteItem refuses duplicates by JSON-dumping every whole item of the request and comparing
the texts: ~17 us per statement item, and a weaker check than DynamoDB's, which refuses two requests for
one key whatever their attributes. The patch compares (table, key) pairs instead.

moto lists a response class's methods (`inspect.getmembers`) on every request to check that the action
names one: a sixth of a GetItem's time in moto. The list is kept per class.

moto's server decides which backend serves a request by listing its package directory (os.listdir
and an isdir per entry) on every request; the list never changes while the process runs.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import moto.backends as moto_backends
import moto.core.responses as moto_core_responses
import moto.dynamodb.models as moto_dynamodb_models
import moto.dynamodb.responses as moto_dynamodb_responses
from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import ItemSizeTooLarge, MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize, dynamo_json_dump
from moto.dynamodb.responses import DynamoHandler

_PATCHED = "_trackhub_rolls_back_touched_items"
_PATCHED_TOKENS = "_trackhub_idempotent_transactions"
_PATCHED_SIZES = "_trackhub_linear_item_size"
_PATCHED_PARSING = "_trackhub_plain_json_items"
_PATCHED_MODULES = "_trackhub_listed_once"
_PATCHED_ANSWERS = "_trackhub_plain_json_answers"
_PATCHED_VALUES = "_trackhub_direct_values"
_PATCHED_DUPLICATES = "_trackhub_key_duplicates"
_PATCHED_METHODS = "_trackhub_methods_once"
# how botocore's JSON writes a binary value: `"B": "<base64>"`, `"BS": [...]`. An attribute named B or
# BS is followed by `{` (its typed value), and inside a JSON string a quote is escaped.
_BINARY_VALUE = re.compile(rb'"BS?":\s*[\["]')
_JSON_CONTENT_TYPE = "application/x-amz-json-1.0"  # DynamoDB's protocol (JSON 1.0)
# item operations whose shapes hold no timestamp or float: only blobs (B, BS) need the shape walk
_PLAIN_ACTIONS = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    }
)
_ITEM_LIMIT = 405_000  # moto's own figure for DynamoDB's 400 KB (measured between 409 and 410 KB)
_TOKEN_SECONDS = 600.0  # DynamoDB remembers a ClientRequestToken for 10 minutes


class _LiveTables(threading.local):
    """Stands in for `copy` inside moto.dynamodb.models: within a patched transaction, a deep copy of a
    Table is the table itself (the patch keeps item snapshots instead); anything else is copied."""

    active = False

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if self.active and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


_LIVE_TABLES = _LiveTables()


def _key_of(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    range_attr = table.range_key_attr
    return DynamoType(attrs[table.hash_key_attr]), (
        DynamoType(attrs[range_attr]) if range_attr is not None and range_attr in attrs else None
    )


def _restore(table: Table, key: tuple[DynamoType, DynamoType | None], item: Item | None) -> None:
    hash_value, range_value = key
    if table.range_key_attr is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item  # type: ignore[assignment]  # hash-only tables hold items
    elif item is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


def rollback_touched_items_only() -> None:
    """Idempotent: patch DynamoDBBackend.transact_write_items once per process."""
    original = DynamoDBBackend.transact_write_items
    if getattr(original, _PATCHED, False):
        return
    moto_dynamodb_models.copy = _LIVE_TABLES  # type: ignore[attr-defined,assignment]

    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        snapshots: list[tuple[Table, tuple[DynamoType, DynamoType | None], Item | None]] = []
        shards: dict[int, tuple[Any, int]] = {}
        for entry in transact_items[:100]:  # moto itself refuses more
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName", ""))
            if table is None or op_type not in ("Put", "Delete", "Update"):
                continue
            with contextlib.suppress(KeyError):  # a key attribute missing: moto raises a validation error
                key = _key_of(table, op_type, op)
                snapshots.append((table, key, copy.deepcopy(table.get_item(*key))))
            if table.stream_shard is not None:
                shards.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
        _LIVE_TABLES.active = True
        try:
            original(self, transact_items)
        except Exception:
            for table, key, item in reversed(snapshots):
                _restore(table, key, item)
            for shard, length in shards.values():
                del shard.items[length:]
            raise
        finally:
            _LIVE_TABLES.active = False

    setattr(transact_write_items, _PATCHED, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def idempotent_transactions() -> None:
    """Idempotent: patch DynamoHandler.transact_write_items once per process.

    A committed transaction's token (with the same items) answers the first answer again, without
    applying anything; a failed one is not remembered (DynamoDB runs a retry of a failure again).
    """
    original = DynamoHandler.transact_write_items
    if getattr(original, _PATCHED_TOKENS, False):
        return
    committed: dict[tuple[str, str, str], tuple[float, str, Any]] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def transact_write_items(self: DynamoHandler) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        key = (self.current_account, self.region, str(token))
        items = json.dumps(self.body.get("TransactItems"), sort_keys=True, default=str)
        now = time.monotonic()
        with lock:
            for stale in [k for k, (at, _, _) in committed.items() if now - at > _TOKEN_SECONDS]:
                del committed[stale]
            seen = committed.get(key)
        if seen is not None and seen[1] == items:
            return seen[2]
        answer = original(self)
        with lock:
            committed[key] = (now, items, answer)
        return answer

    setattr(transact_write_items, _PATCHED_TOKENS, True)
    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]


def linear_item_size_check() -> None:
    """Idempotent: patch moto's Item.__init__ once per process to measure the new item once (the same
    sum and limit as LimitedSizeDict.__setitem__, which still guards later updates of the item)."""
    original = Item.__init__
    if getattr(original, _PATCHED_SIZES, False):
        return

    @functools.wraps(original)
    def __init__(
        self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
    ) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        converted = {key: typed(value) for key, value in attrs.items()}
        if sum(_bytesize(key) + value.size() for key, value in converted.items()) > _ITEM_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, converted)

    setattr(__init__, _PATCHED_SIZES, True)
    Item.__init__ = __init__  # type: ignore[method-assign]


_new_dynamo_type = DynamoType.__new__
MOTO_SIZE = DynamoType.size  # moto's own, which `_size` replaces (the tests compare the two)
_SET_TYPES = frozenset({"SS", "NS", "BS"})


def _bytesize(value: Any) -> int:
    """moto's bytesize (UTF-8 length); an ASCII str (CPython knows in O(1)) is not encoded for it."""
    if type(value) is str and value.isascii():
        return len(value)
    return bytesize(value)


def _scalar_size(kind: str, value: Any) -> int:
    if kind == "N":
        return len(str(value))
    if isinstance(value, bool):
        return 1
    return _bytesize(value)


def typed(value: Any) -> DynamoType:
    """What `DynamoType(value)` builds (type, value, nested L and M members as DynamoTypes), without its
    per-node type probing, for the plain one-key dicts of a request; anything else goes to moto."""
    if type(value) is not dict or len(value) != 1:
        return DynamoType(value)
    ((kind, inner),) = value.items()
    new: DynamoType = _new_dynamo_type(DynamoType)
    new.type = kind
    if kind == "L":
        inner = [typed(member) for member in inner]
    elif kind == "M":
        inner = {name: typed(member) for name, member in inner.items()}
    new.value = inner
    return new


def _size(self: DynamoType) -> int:
    """DynamoType.size: the same figures, without a new DynamoType per set member or map value."""
    kind, value = self.type, self.value
    if kind in _SET_TYPES:
        return sum(_scalar_size(kind[0], member) for member in value)
    if kind == "L":
        return sum(member.size() for member in value)
    if kind == "M":
        return sum(
            _bytesize(name) + (member.size() if type(member) is DynamoType else DynamoType(member).size())
            for name, member in value.items()
        )
    return _scalar_size(kind, value)


def direct_item_values() -> None:
    """Idempotent: DynamoType.size measures without re-wrapping (new items are built by `typed`)."""
    if getattr(DynamoType.size, _PATCHED_VALUES, False):
        return
    setattr(_size, _PATCHED_VALUES, True)
    DynamoType.size = _size  # type: ignore[method-assign]


class _Fingerprints(threading.local):
    """The (table, key) of each request of the BatchWriteItem being answered, by the id of its item."""

    of: dict[int, str] | None = None


_FINGERPRINTS = _Fingerprints()


def _key_fingerprint(table: Table, table_name: str, attrs: dict[str, Any]) -> str:
    # repr, not JSON: a binary key value may already be bytes (requests with binary values take moto's
    # own parsing); a key value is a one-key dict, so its repr is canonical
    names = (table.hash_key_attr, table.range_key_attr)
    return repr((table_name, *(attrs.get(name) for name in names if name)))


def _duplicate_text(attrs: Any) -> str:
    """Stands in for dynamo_json_dump in moto.dynamodb.responses, whose only use there is the
    BatchWriteItem duplicate check: a request's (table, key) while one is being answered."""
    known = _FINGERPRINTS.of
    if known is not None and id(attrs) in known:
        return known[id(attrs)]
    return dynamo_json_dump(attrs)


def key_duplicate_check() -> None:
    """Idempotent: patch DynamoHandler.batch_write_item once per process to refuse two requests for one
    (table, key), put or delete, as DynamoDB does (moto compared whole items, see the module's doc)."""
    original = DynamoHandler.batch_write_item
    if getattr(original, _PATCHED_DUPLICATES, False):
        return
    setattr(moto_dynamodb_responses, "dynamo_json_dump", _duplicate_text)  # noqa: B010 - not exported

    @functools.wraps(original)
    def batch_write_item(self: DynamoHandler) -> ActionResult:
        fingerprints: dict[int, str] = {}
        for table_name, requests in dict(self.body.get("RequestItems") or {}).items():
            table = self.dynamodb_backend.tables.get(table_name)
            if table is None:
                continue  # moto answers ResourceNotFoundException
            for request in requests:
                for body in request.values():
                    attrs = body.get("Item", body.get("Key")) if isinstance(body, dict) else None
                    if isinstance(attrs, dict):
                        fingerprints[id(attrs)] = _key_fingerprint(table, table_name, attrs)
        if len(set(fingerprints.values())) != len(fingerprints):
            raise MockValidationException("Provided list of item keys contains duplicates")
        _FINGERPRINTS.of = fingerprints
        try:
            return original(self)
        finally:
            _FINGERPRINTS.of = None

    setattr(batch_write_item, _PATCHED_DUPLICATES, True)
    DynamoHandler.batch_write_item = batch_write_item  # type: ignore[method-assign]


def plain_json_item_requests() -> None:
    """Idempotent: patch DynamoHandler.parse_parameters once per process (see the module's doc)."""
    original = DynamoHandler.parse_parameters
    if getattr(original, _PATCHED_PARSING, False):
        return

    @functools.wraps(original)
    def parse_parameters(self: DynamoHandler, request: Any) -> None:
        body = getattr(request, "data", None)
        if (
            isinstance(body, bytes)
            and body
            and self._get_action() in _PLAIN_ACTIONS
            and not _BINARY_VALUE.search(body)
        ):
            parsed = json.loads(body)
            if isinstance(parsed, dict):
                self.params = parsed
                return
        original(self, request)

    setattr(parse_parameters, _PATCHED_PARSING, True)
    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign,assignment]


class _NotPlain(TypeError):
    pass


def _refuse(value: Any) -> Any:
    raise _NotPlain(type(value).__name__)


def plain_json_item_responses() -> None:
    """Idempotent: patch DynamoHandler.serialized once per process (see the module's doc)."""
    original = DynamoHandler.serialized
    if getattr(original, _PATCHED_ANSWERS, False):
        return

    @functools.wraps(original)
    def serialized(self: DynamoHandler, action_result: ActionResult) -> Any:
        result = action_result.result
        # DynamoResult too (its items are already dicts); a result class with its own execute_result
        # (pagination) is not plain
        plain = type(action_result).execute_result is ActionResult.execute_result and type(result) is dict
        if plain and self._get_action() in _PLAIN_ACTIONS:
            try:
                body = json.dumps(result, default=_refuse)
            except _NotPlain:
                return original(self, action_result)
            headers = {"Content-Type": _JSON_CONTENT_TYPE, **self.response_headers}
            return 200, headers, body
        return original(self, action_result)

    setattr(serialized, _PATCHED_ANSWERS, True)
    DynamoHandler.serialized = serialized  # type: ignore[method-assign,assignment]


def module_list_once() -> None:
    """Idempotent: moto's list of its service modules is read from disk once per process."""
    original = moto_backends.list_of_moto_modules
    if getattr(original, _PATCHED_MODULES, False):
        return
    listed: tuple[str, ...] = ()

    @functools.wraps(original)
    def list_of_moto_modules() -> tuple[str, ...]:
        nonlocal listed
        if not listed:
            listed = tuple(original())
        return listed

    setattr(list_of_moto_modules, _PATCHED_MODULES, True)
    moto_backends.list_of_moto_modules = list_of_moto_modules


def method_names_once() -> None:
    """Idempotent: moto's list of a response class's method names is computed once per class (the
    names stay: the patches here replace methods under their own names)."""
    original: Callable[[Any], list[str]] = getattr(moto_core_responses, "method_names_from_class")  # noqa: B009
    if getattr(original, _PATCHED_METHODS, False):
        return
    listed: dict[Any, list[str]] = {}

    @functools.wraps(original)
    def method_names_from_class(clazz: Any) -> list[str]:
        names = listed.get(clazz)
        if names is None:
            names = listed[clazz] = original(clazz)
        return names

    setattr(method_names_from_class, _PATCHED_METHODS, True)
    setattr(moto_core_responses, "method_names_from_class", method_names_from_class)  # noqa: B010
