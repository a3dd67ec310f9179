"""pollers.py: the Lambda SQS / DynamoDB event formats and the batch-failure rules."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trackhub_local.pollers import (
    SqsPoller,
    StreamPoller,
    batch_item_failures,
    first_stream_failure,
    sqs_record,
    stream_record,
)
from trackhub_local.template import FunctionSpec, SqsEvent, StreamEvent
from trackhub_local.workers import InvocationResult, LogSink


def test_sqs_record_has_the_lambda_shape() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "Body": '{"a": 1}',
        "MD5OfBody": "md5",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1700000000000"},
        "MessageAttributes": {
            "kind": {"StringValue": "x", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
        "MD5OfMessageAttributes": "md5attrs",
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:1:q", "us-east-1")
    assert record["messageId"] == "m1"
    assert record["receiptHandle"] == "rh"
    assert record["body"] == '{"a": 1}'
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "x",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        "arn:aws:sqs:us-east-1:1:q",
        "us-east-1",
    )
    assert record["md5OfBody"] == "md5" and record["md5OfMessageAttributes"] == "md5attrs"


def test_batch_item_failures_rules() -> None:
    ids = {"a", "b"}
    assert batch_item_failures(None, ids) == set()
    assert batch_item_failures({"batchItemFailures": []}, ids) == set()
    assert batch_item_failures({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == {"b"}
    # An identifier that is empty or not in the batch fails the whole batch, as in Lambda.
    assert batch_item_failures({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) is None
    assert batch_item_failures({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids) is None
    assert batch_item_failures({"batchItemFailures": "oops"}, ids) is None


def _raw(sequence: str, key: str = "k") -> dict[str, Any]:
    return {
        "eventID": f"e{sequence}",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2024, 1, 1, tzinfo=UTC),
            "Keys": {"PK": {"S": key}},
            "NewImage": {"PK": {"S": key}, "blob": {"B": b"\x01"}, "set": {"BS": [b"\x02"]}},
            "SequenceNumber": sequence,
            "SizeBytes": 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_stream_record_has_the_lambda_shape() -> None:
    record = stream_record(_raw("100"), "arn:stream", "us-east-1")
    assert record["eventSourceARN"] == "arn:stream"
    assert record["eventSource"] == "aws:dynamodb"
    change = record["dynamodb"]
    assert change["ApproximateCreationDateTime"] == int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    assert change["NewImage"]["blob"] == {"B": "AQ=="}
    assert change["NewImage"]["set"] == {"BS": ["Ag=="]}
    assert change["SequenceNumber"] == "100"
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_first_stream_failure_resumes_from_the_lowest_failed_sequence() -> None:
    batch = [stream_record(_raw(s), "arn", "us-east-1") for s in ("1", "2", "3")]
    assert first_stream_failure(None, batch) is None
    assert first_stream_failure({"batchItemFailures": []}, batch) is None
    failures = {"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "2"}]}
    assert first_stream_failure(failures, batch) == 1
    assert first_stream_failure({"batchItemFailures": [{"itemIdentifier": "9"}]}, batch) == 0


# ------------------------------------------------------------------ pollers against fakes


class FakeInvoker:
    """Answers invocations from a script and records the events."""

    def __init__(self, *answers: InvocationResult) -> None:
        self.answers = list(answers)
        self.events: list[dict[str, Any]] = []

    def invoke(self, function_logical_id: str, event: Any) -> InvocationResult:
        self.events.append(event)
        if self.answers:
            return self.answers.pop(0)
        return InvocationResult(function_logical_id, "rid", payload=None)


def _ok(payload: Any = None) -> InvocationResult:
    return InvocationResult("Fn", "rid", payload=payload)


def _error() -> InvocationResult:
    return InvocationResult(
        "Fn", "rid", error={"errorType": "ValueError", "errorMessage": "x", "stackTrace": []}
    )


class FakeStreams:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        start = int(ShardIterator)
        return {"Records": self.records[start : start + Limit], "NextShardIterator": str(start + Limit)}


class FakeSqs:
    def __init__(self, messages: list[dict[str, Any]] | None = None) -> None:
        self.messages = messages or []
        self.deleted: list[str] = []
        self.sent: list[dict[str, Any]] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        messages, self.messages = self.messages, []
        return {"Messages": messages}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        self.deleted += [entry["ReceiptHandle"] for entry in Entries]

    def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def _stream_event(**overrides: Any) -> StreamEvent:
    values: dict[str, Any] = {
        "name": "Source",
        "table": "Table",
        "starting_position": "TRIM_HORIZON",
        "batch_size": 2,
        "function_response_types": ("ReportBatchItemFailures",),
        "maximum_batching_window": 0,
        "filter_patterns": (),
        "maximum_retry_attempts": -1,
        "bisect_batch_on_function_error": False,
        "on_failure_queue": None,
        "enabled": True,
    }
    values.update(overrides)
    return StreamEvent(**values)


FUNCTION = FunctionSpec("Fn", "stack-Fn", Path("."), "app.handler", "python3.11", {}, (), 3, 128)


def _stream_poller(invoker: FakeInvoker, event: StreamEvent, sqs: FakeSqs | None = None) -> StreamPoller:
    records = [_raw(str(n), key=f"k{n}") for n in range(1, 5)]
    return StreamPoller(
        invoker,
        FUNCTION,
        event,
        streams=FakeStreams(records),
        stream_arn="arn:stream",
        region="us-east-1",
        sink=LogSink(stream=io.StringIO()),
        sqs=sqs,  # type: ignore[arg-type]
        on_failure_url="http://queue" if sqs else None,
        retry_delay=0,
    )


def _sequences(invoker: FakeInvoker) -> list[list[str]]:
    return [[r["dynamodb"]["SequenceNumber"] for r in event["Records"]] for event in invoker.events]


def test_stream_retry_resumes_from_the_first_reported_failure() -> None:
    invoker = FakeInvoker(_ok({"batchItemFailures": [{"itemIdentifier": "2"}]}))
    poller = _stream_poller(invoker, _stream_event())
    poller._poll_once()
    poller._poll_once()
    assert _sequences(invoker) == [["1", "2"], ["2"], ["3", "4"]]


def test_stream_retries_are_bounded_and_exhausted_batches_go_to_the_destination() -> None:
    invoker = FakeInvoker(_error(), _error(), _error())
    sqs = FakeSqs()
    poller = _stream_poller(invoker, _stream_event(maximum_retry_attempts=1), sqs)
    poller._poll_once()
    poller._poll_once()
    # First attempt + one retry of [1, 2], then the shard moves on.
    assert _sequences(invoker) == [["1", "2"], ["1", "2"], ["3", "4"], ["3", "4"]]
    body = json.loads(sqs.sent[0]["MessageBody"])
    assert body["DDBStreamBatchInfo"]["startSequenceNumber"] == "1"
    assert body["DDBStreamBatchInfo"]["endSequenceNumber"] == "2"
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_stream_bisects_a_failing_batch() -> None:
    invoker = FakeInvoker(_error(), _ok(), _ok())
    poller = _stream_poller(invoker, _stream_event(bisect_batch_on_function_error=True))
    poller._poll_once()
    assert _sequences(invoker)[:3] == [["1", "2"], ["1"], ["2"]]


def test_stream_batching_window_waits_for_a_full_batch() -> None:
    invoker = FakeInvoker()
    poller = _stream_poller(invoker, _stream_event(batch_size=10, maximum_batching_window=0.3))
    poller._poll_once()
    assert invoker.events == []  # 4 records, batch of 10: wait for the window
    time.sleep(0.35)
    poller._poll_once()
    assert _sequences(invoker) == [["1", "2", "3", "4"]]


def test_stream_filters_drop_records_without_invoking() -> None:
    invoker = FakeInvoker()
    poller = _stream_poller(invoker, _stream_event(filter_patterns=({"eventName": ["REMOVE"]},)))
    poller._poll_once()
    poller._poll_once()
    assert invoker.events == []


def _message(n: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "MessageId": f"m{n}",
        "ReceiptHandle": f"rh{n}",
        "Body": json.dumps(body or {"n": n}),
        "Attributes": {"ApproximateReceiveCount": "1"},
    }


def _sqs_poller(invoker: FakeInvoker, sqs: FakeSqs, **overrides: Any) -> SqsPoller:
    values: dict[str, Any] = {
        "name": "Work",
        "queue": "Queue",
        "batch_size": 10,
        "function_response_types": ("ReportBatchItemFailures",),
        "maximum_batching_window": 0,
        "filter_patterns": (),
        "enabled": True,
    }
    values.update(overrides)
    return SqsPoller(
        invoker,
        FUNCTION,
        SqsEvent(**values),
        sqs=sqs,  # type: ignore[arg-type]
        queue_url="http://queue",
        queue_arn="arn:queue",
        region="us-east-1",
        visibility_timeout=None,
        sink=LogSink(stream=io.StringIO()),
    )


def test_sqs_deletes_all_but_the_reported_failures() -> None:
    sqs = FakeSqs([_message(1), _message(2), _message(3)])
    _sqs_poller(FakeInvoker(_ok({"batchItemFailures": [{"itemIdentifier": "m2"}]})), sqs)._poll_once()
    assert sqs.deleted == ["rh1", "rh3"]


def test_sqs_function_error_or_invalid_report_deletes_nothing() -> None:
    sqs = FakeSqs([_message(1), _message(2)])
    _sqs_poller(FakeInvoker(_error()), sqs)._poll_once()
    assert sqs.deleted == []
    sqs = FakeSqs([_message(1)])
    _sqs_poller(FakeInvoker(_ok({"batchItemFailures": [{"itemIdentifier": "nope"}]})), sqs)._poll_once()
    assert sqs.deleted == []


def test_sqs_without_partial_reports_deletes_the_whole_successful_batch() -> None:
    sqs = FakeSqs([_message(1), _message(2)])
    report = _ok({"batchItemFailures": [{"itemIdentifier": "m1"}]})
    _sqs_poller(FakeInvoker(report), sqs, function_response_types=())._poll_once()
    assert sqs.deleted == ["rh1", "rh2"]


def test_sqs_filtered_out_messages_are_deleted_unseen() -> None:
    sqs = FakeSqs([_message(1, {"type": "keep"}), _message(2, {"type": "drop"})])
    invoker = FakeInvoker()
    _sqs_poller(invoker, sqs, filter_patterns=({"body": {"type": ["keep"]}},))._poll_once()
    assert [r["messageId"] for r in invoker.events[0]["Records"]] == ["m1"]
    assert sorted(sqs.deleted) == ["rh1", "rh2"]
