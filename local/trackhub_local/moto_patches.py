"""Fixes to moto behaviour the local stack depends on.

A cancelled TransactWriteItems makes moto put back a deep copy of each table it touched - stream
shard included. A stream poller's shard iterator still points at the old shard object, so it would
never see another record of that table. The patch keeps the live shard on the restored table and
drops the records the cancelled transaction appended (DynamoDB never streams a cancelled write).

DynamoDB applies a TransactWriteItems once per ClientRequestToken (for 10 minutes); moto applied it
again. botocore retries a call whose answer it did not get (a read timeout on a busy machine), so the
retry of a committed transaction failed its own conditions: a fresh event answered 409.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

_PATCHED = "_trackhub_keeps_stream_shards"
_PATCHED_TOKENS = "_trackhub_idempotent_transactions"
_TOKEN_SECONDS = 600.0  # DynamoDB remembers a ClientRequestToken for 10 minutes


def keep_stream_shards_on_rollback() -> None:
    """Idempotent: patch DynamoDBBackend.transact_write_items once per process."""
    original = DynamoDBBackend.transact_write_items
    if getattr(original, _PATCHED, False):
        return

    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        shards = {}
        for item in transact_items:
            name = next(iter(item.values())).get("TableName")
            table = self.tables.get(name) if name else None
            if table is not None and table.stream_shard is not None:
                shards[name] = (table.stream_shard, len(table.stream_shard.items))
        try:
            original(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                restored = self.tables.get(name)
                if restored is not None and restored.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table = restored
                    restored.stream_shard = shard
            raise

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
