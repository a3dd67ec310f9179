"""moto_server.py: every request to moto is atomic, SQS long polls do not hold the lock, accounts isolate.

The race test widens moto's check-then-apply window (the condition is evaluated, then 50 ms pass before
the write) so that it shows reliably: without the lock two conditional writes both succeed, which
DynamoDB never allows; with it exactly one does.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import boto3
import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from trackhub_local.moto_server import MotoServer


def _client(endpoint: str, service: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def slow_conditions() -> Iterator[None]:
    original = table_module.get_filter_expression

    class _Slow:
        def __init__(self, op: Any) -> None:
            self.op = op

        def expr(self, item: Any) -> Any:
            result = self.op.expr(item)
            time.sleep(0.05)  # between the condition check and the write
            return result

    def slow(*args: Any, **kwargs: Any) -> _Slow:
        return _Slow(original(*args, **kwargs))

    with (
        mock.patch.object(table_module, "get_filter_expression", slow),
        mock.patch.object(dynamodb_models, "get_filter_expression", slow),
    ):
        yield


def _attempt(
    write: Callable[[Any, str, str, int], None],
    client: Any,
    table: str,
    key: str,
    writer: int,
    barrier: threading.Barrier,
    won: list[int],
) -> None:
    barrier.wait(timeout=5)
    try:
        write(client, table, key, writer)
        won.append(writer)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in (
            "ConditionalCheckFailedException",
            "TransactionCanceledException",
        )


def _race(endpoint: str, write: Callable[[Any, str, str, int], None], rounds: int = 3) -> list[int]:
    """For each round, two threads write the same new key at once; how many succeeded per round."""
    setup = _client(endpoint, "dynamodb")
    table = f"race-{uuid.uuid4().hex[:8]}"
    setup.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    clients = [_client(endpoint, "dynamodb") for _ in range(2)]
    successes: list[int] = []
    for round_number in range(rounds):
        barrier = threading.Barrier(2)
        won: list[int] = []
        threads = [
            threading.Thread(
                target=_attempt, args=(write, clients[n], table, f"k{round_number}", n, barrier, won)
            )
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        successes.append(len(won))
    return successes


def _conditional_put(client: Any, table: str, key: str, writer: int) -> None:
    client.put_item(
        TableName=table,
        Item={"PK": {"S": key}, "writer": {"N": str(writer)}},
        ConditionExpression="attribute_not_exists(PK)",
    )


def _transaction(client: Any, table: str, key: str, writer: int) -> None:
    client.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": {"PK": {"S": key}, "writer": {"N": str(writer)}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        ]
    )


@pytest.mark.parametrize("write", [_conditional_put, _transaction], ids=["put_item", "transact_write_items"])
def test_concurrent_conditional_writes_cannot_both_succeed(
    slow_conditions: None, write: Callable[[Any, str, str, int], None]
) -> None:
    server = MotoServer()
    server.start()
    try:
        assert _race(server.endpoint_url, write) == [1, 1, 1]
    finally:
        server.stop()


def test_without_the_lock_moto_lets_both_win(slow_conditions: None) -> None:
    """The control: the race the lock prevents is real in plain moto."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        assert 2 in _race(f"http://{host}:{port}", _conditional_put)
    finally:
        server.stop()


def test_a_long_poll_does_not_block_other_requests_and_still_waits() -> None:
    server = MotoServer()
    server.start()
    try:
        sqs = _client(server.endpoint_url, "sqs")
        dynamodb = _client(server.endpoint_url, "dynamodb")
        url = sqs.create_queue(QueueName="poll")["QueueUrl"]
        received: list[Any] = []
        started = time.monotonic()
        poll = threading.Thread(
            target=lambda: received.append(
                sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3).get("Messages")
            )
        )
        poll.start()
        time.sleep(0.2)
        before = time.monotonic()
        dynamodb.list_tables()
        assert time.monotonic() - before < 1.0  # not queued behind the long poll
        _client(server.endpoint_url, "sqs").send_message(QueueUrl=url, MessageBody="hello")
        poll.join(timeout=5)
        assert received and received[0] and received[0][0]["Body"] == "hello"
        assert time.monotonic() - started < 2.5  # returned when the message came, not at the end of the wait
        empty_started = time.monotonic()
        assert not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=30).get("Messages")
        assert time.monotonic() - empty_started >= 0.9  # an empty long poll still waits
    finally:
        server.stop()


def test_each_server_has_its_own_account() -> None:
    first, second = MotoServer(), MotoServer()
    first.start()
    second.start()
    try:
        assert first.account_id != second.account_id
        _client(first.endpoint_url, "sqs").create_queue(QueueName="mine")
        assert "QueueUrls" not in _client(second.endpoint_url, "sqs").list_queues()
        url = _client(first.endpoint_url, "sqs").get_queue_url(QueueName="mine")["QueueUrl"]
        assert f"/{first.account_id}/mine" in url
    finally:
        first.stop()
        second.stop()


def test_a_client_keeps_one_connection_for_all_its_calls(caplog: pytest.LogCaptureFixture) -> None:
    """werkzeug's server closed every connection after one request; botocore then opened a new one
    per call ("Resetting dropped connection")."""
    server = MotoServer()
    server.start()
    try:
        dynamodb = _client(server.endpoint_url, "dynamodb")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        # When one client makes calls of several kinds, with bodies and without, sequentially
        with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
            for index in range(10):
                dynamodb.put_item(TableName="t", Item={"PK": {"S": str(index)}, "body": {"S": "x" * 5000}})
                dynamodb.get_item(TableName="t", Key={"PK": {"S": str(index)}})
            _client(server.endpoint_url, "s3").list_buckets()
        # Then the DynamoDB client reused the connection its create_table opened; only the new S3
        # client opened one
        opened = [r.getMessage() for r in caplog.records if "Starting new HTTP connection" in r.getMessage()]
        dropped = [r.getMessage() for r in caplog.records if "dropped connection" in r.getMessage()]
        assert len(opened) == 1 and not dropped, (opened, dropped)
    finally:
        server.stop()
