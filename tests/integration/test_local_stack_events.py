"""Event-source mappings of the local stack: SQS with partial batch failures and a DLQ, DynamoDB streams.

The queue's 30 s visibility timeout is scaled down (time_scale) so a failing message is retried and
dead-lettered within seconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from boto3.dynamodb.types import TypeDeserializer

from trackhub_local.stack import LocalStack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "local_stack" / "template.yaml"
T = TypeVar("T")


def wait_for(check: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    log_file = tmp_path_factory.mktemp("logs") / "functions.log"
    local = LocalStack(FIXTURE, port=0, log_file=log_file, time_scale=0.02)  # 30 s visibility -> 1 s
    local.start()
    try:
        local.wait_ready(timeout=30)
        yield local
    finally:
        local.stop()


def _items(stack: LocalStack, pk: str) -> list[dict[str, Any]]:
    response = stack.client("dynamodb").query(
        TableName=stack.table_names["ResultsTable"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    deserialize = TypeDeserializer().deserialize
    return [{k: deserialize(v) for k, v in item.items()} for item in response["Items"]]


def test_sqs_partial_failure_is_retried_then_dead_lettered(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    work, dlq = stack.queue_urls["WorkQueue"], stack.queue_urls["WorkDLQ"]
    sqs.send_message_batch(
        QueueUrl=work,
        Entries=[
            {
                "Id": name,
                "MessageBody": json.dumps({"id": name, "fail": name == "bad"}),
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": f"kind-{name}"}},
            }
            for name in ("ok1", "bad", "ok2")
        ],
    )

    def dead_lettered() -> list[dict[str, Any]] | None:
        messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, AttributeNames=["All"])
        return messages.get("Messages")

    parked = wait_for(dead_lettered, 20, "the failing message in the DLQ")
    assert [json.loads(m["Body"])["id"] for m in parked] == ["bad"]
    # The failing message was delivered maxReceiveCount (2) times; the others once, then deleted.
    assert sorted(item["SK"] for item in _items(stack, "sqs#bad")) == ["1", "2"]
    for name in ("ok1", "ok2"):
        (item,) = _items(stack, f"sqs#{name}")
        assert item["SK"] == "1"
        assert item["eventSource"] == "aws:sqs"
        assert item["eventSourceARN"] == stack.template.queue_arn("WorkQueue")
        assert item["attribute"] == f"kind-{name}"
    attributes = sqs.get_queue_attributes(
        QueueUrl=work, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_stream_records_arrive_in_order_filtered_and_batched(stack: LocalStack) -> None:
    dynamodb = stack.client("dynamodb")
    table = stack.table_names["SourceTable"]
    keys = [f"item-{n}" for n in range(5)]
    for key in keys:
        dynamodb.put_item(TableName=table, Item={"PK": {"S": key}, "v": {"N": "1"}})
    dynamodb.update_item(
        TableName=table,
        Key={"PK": {"S": "item-0"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    dynamodb.delete_item(TableName=table, Key={"PK": {"S": "item-1"}})  # REMOVE: filtered out
    dynamodb.put_item(TableName=table, Item={"PK": {"S": "last"}})

    def log() -> list[dict[str, Any]] | None:
        found = _items(stack, "stream")
        entries: list[dict[str, Any]] = found[0]["entries"] if found else []
        return entries if entries and entries[-1]["key"] == "last" else None

    entries = wait_for(log, 20, "the stream consumer to see every record")
    assert [(e["key"], e["eventName"]) for e in entries] == [
        *((key, "INSERT") for key in keys),
        ("item-0", "MODIFY"),
        ("last", "INSERT"),
    ]
    sequences = [int(e["sequence"]) for e in entries]
    assert sequences == sorted(sequences)
    assert all(e["batch"] <= 2 for e in entries)  # BatchSize: 2
