"""Conditional creates that stay correct when botocore retries them.

A PutItem whose answer is lost (a read timeout) is retried by botocore; if the first attempt had
committed, the retry's `attribute_not_exists` condition fails on the caller's own item. Reading the
key back and finding exactly the item we wrote tells that case apart from a real duplicate.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from trackhub.storage.errors import is_conditional_failure


def put_new(table: Any, item: dict[str, Any]) -> bool:
    """Create `item` (keys PK/SK) unless its key exists. True when it is ours (written now, or by an
    earlier attempt of this same call); False when another item holds the key. Callers wrap it in
    unavailable_on_outage."""
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
    except ClientError as exc:
        if not is_conditional_failure(exc):
            raise
        existing = table.get_item(Key={"PK": item["PK"], "SK": item["SK"]}, ConsistentRead=True).get("Item")
        return bool(existing == item)
    return True
