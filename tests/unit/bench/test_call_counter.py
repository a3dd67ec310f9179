"""The bench's AWS call counter counts exactly the calls made inside its window (docs/performance.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from bench.counter import CallCounter
from trackhub.storage.clients import dynamodb_client, reset_clients


@pytest.fixture
def counter(hub_tables: dict[str, str]) -> Iterator[CallCounter]:
    installed = CallCounter.on_default_session()
    reset_clients()  # the layer's cached clients are created again, after the counter
    yield installed
    installed.detach()
    reset_clients()


def _key(table: str) -> dict[str, Any]:
    schema = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
    return {part["AttributeName"]: {"S": f"bench-{part['KeyType']}"} for part in schema}


def test_counts_each_call_of_a_known_operation_exactly(
    counter: CallCounter, hub_tables: dict[str, str]
) -> None:
    # Given a key of the tenancy table and the layer's own DynamoDB client
    table = hub_tables["TenancyTable"]
    key = _key(table)
    client = dynamodb_client()
    # When one item is written and read twice inside the window, and read once more after it
    with counter.counting() as calls:
        client.put_item(TableName=table, Item=key)
        client.get_item(TableName=table, Key=key)
        boto3.resource("dynamodb").Table(table).get_item(Key={k: v["S"] for k, v in key.items()})
    client.get_item(TableName=table, Key=key)
    # Then exactly those three calls are counted, by service and operation, and nothing after
    assert calls == Counter({"dynamodb.PutItem": 1, "dynamodb.GetItem": 2})


def test_a_new_window_starts_empty(counter: CallCounter, hub_tables: dict[str, str]) -> None:
    # Given a window that saw one call
    table = hub_tables["TenancyTable"]
    with counter.counting() as first:
        dynamodb_client().describe_table(TableName=table)
    # When a second window sees another kind of call
    with counter.counting() as second:
        dynamodb_client().scan(TableName=table, Limit=1)
    # Then each window holds only its own
    assert first == Counter({"dynamodb.DescribeTable": 1})
    assert second == Counter({"dynamodb.Scan": 1})
