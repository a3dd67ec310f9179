"""Fixes to moto behaviour the local stack depends on.

A cancelled TransactWriteItems makes moto put back a deep copy of each table it touched - stream
shard included. A stream poller's shard iterator still points at the old shard object, so it would
never see another record of that table. The patch keeps the live shard on the restored table and
drops the records the cancelled transaction appended (DynamoDB never streams a cancelled write).
"""

from __future__ import annotations

import functools
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_PATCHED = "_trackhub_keeps_stream_shards"


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
