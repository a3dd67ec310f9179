"""A stream poller with the emulator's record count skips GetRecords while nothing was written (an idle
local stack called it five times a second per mapping), and still reads every record at once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from trackhub_local import pollers
from trackhub_local.moto_server import MotoServer
from trackhub_local.pollers import StreamPoller
from trackhub_local.template import FunctionSpec, StreamEvent
from trackhub_local.workers import InvocationResult, LogSink

FUNCTION = FunctionSpec("Fn", "stack-Fn", Path("."), "app.handler", "python3.11", {}, (), 3, 128)
EVENT = StreamEvent(
    name="Source",
    table="Table",
    starting_position="TRIM_HORIZON",
    batch_size=10,
    function_response_types=(),
    maximum_batching_window=0,
    filter_patterns=(),
    maximum_retry_attempts=-1,
    bisect_batch_on_function_error=False,
    on_failure_queue=None,
    enabled=True,
)


class Recorder:
    """The function side of the mapping: keeps each batch's keys."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def invoke(self, function_logical_id: str, event: Any) -> InvocationResult:
        self.batches.append([r["dynamodb"]["Keys"]["PK"]["S"] for r in event["Records"]])
        return InvocationResult(function_logical_id, "rid", payload=None)


@pytest.fixture
def server() -> Iterator[MotoServer]:
    moto = MotoServer()
    moto.start()
    yield moto
    moto.stop()


def _client(server: MotoServer, service: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _streamed_table(server: MotoServer) -> tuple[Any, Any, str]:
    """(dynamodb client, streams client, stream ARN) of a new table with a stream."""
    dynamodb, streams = _client(server, "dynamodb"), _client(server, "dynamodbstreams")
    dynamodb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    return dynamodb, streams, dynamodb.describe_table(TableName="t")["Table"]["LatestStreamArn"]


def _poller(server: MotoServer, streams: Any, arn: str, recorder: Recorder) -> StreamPoller:
    return StreamPoller(
        recorder,
        FUNCTION,
        EVENT,
        streams=streams,
        stream_arn=arn,
        region="us-east-1",
        sink=LogSink(stream=io.StringIO()),
        record_count=lambda: server.stream_records(arn),
    )


def test_an_idle_poller_calls_get_records_only_after_a_write_or_a_quiet_interval(
    server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pollers, "_IDLE_SLEEP", 0.0)
    # Given a table with a stream, and a poller counting its GetRecords calls
    dynamodb, streams, arn = _streamed_table(server)
    recorder = Recorder()
    poller = _poller(server, streams, arn, recorder)
    calls: list[str] = []
    streams.meta.events.register("before-call.*.GetRecords", lambda model, **_: calls.append(model.name))
    dynamodb.put_item(TableName="t", Item={"PK": {"S": "a"}})
    # When it polls: the first call reads the record, the next ones find nothing new and do not call
    for _ in range(3):
        poller._poll_once()
    assert (calls, recorder.batches) == (["GetRecords"], [["a"]])
    # Then a write is read at the next poll
    dynamodb.put_item(TableName="t", Item={"PK": {"S": "b"}})
    dynamodb.put_item(TableName="t", Item={"PK": {"S": "c"}})
    poller._poll_once()
    poller._poll_once()
    assert (len(calls), recorder.batches) == (2, [["a"], ["b", "c"]])
    # And without writes it still calls once the quiet interval has passed
    monkeypatch.setattr(pollers, "_QUIET_POLL_SECONDS", 0.0)
    poller._poll_once()
    assert (len(calls), recorder.batches) == (3, [["a"], ["b", "c"]])


def test_a_full_batch_is_followed_by_another_call_without_a_write(server: MotoServer) -> None:
    # Given more records than a batch holds
    dynamodb, streams, arn = _streamed_table(server)
    for n in range(12):
        dynamodb.put_item(TableName="t", Item={"PK": {"S": f"k{n:02d}"}})
    recorder = Recorder()
    poller = _poller(server, streams, arn, recorder)
    # When it polls twice
    poller._poll_once()
    poller._poll_once()
    # Then the rest is read too (a call that filled its batch does not mark the stream as read)
    assert [len(batch) for batch in recorder.batches] == [10, 2]
    assert server.stream_records(arn) == 12
    assert server.stream_records(arn.replace("/stream/", "/stream/x")) is None
    assert server.stream_records("not-an-arn") is None
