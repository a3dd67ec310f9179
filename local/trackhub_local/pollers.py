"""Event-source mappings: SQS queues and DynamoDB streams polled and fed to functions as Lambda does.

SQS: long-poll, invoke with the batch, delete what succeeded. With ReportBatchItemFailures only the
messages named in batchItemFailures stay; on a function error nothing is deleted. What stays becomes
visible again after the visibility timeout, and SQS (moto) moves it to the dead-letter queue once it
has been received maxReceiveCount times.

DynamoDB streams: read each shard in order, invoke batches, and on failure retry from the first failed
record (ReportBatchItemFailures) or the whole batch - halving it with BisectBatchOnFunctionError - until
MaximumRetryAttempts is spent; a shard never moves past a failing batch before that, as in Lambda.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from trackhub_local.filters import matches_any, sqs_filter_view
from trackhub_local.template import FunctionSpec, SqsEvent, StreamEvent, Template
from trackhub_local.workers import InvocationResult, LogSink

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger(__name__)

_IDLE_SLEEP = 0.2  # Lambda polls a stream shard about four times a second
_ERROR_SLEEP = 0.5
_STREAM_REFRESH_SECONDS = 5.0
# With a way to count a stream's records in-process, an idle poller skips GetRecords while the count
# has not grown since a call that read everything; it still calls at least this often.
_QUIET_POLL_SECONDS = 2.0


class Invokes(Protocol):
    def invoke(self, function_logical_id: str, event: Any) -> InvocationResult: ...


class _PollerThread:
    """A daemon thread running `_poll_once` until stopped; errors are logged, never fatal."""

    name = "poller"

    def __init__(self, sink: LogSink) -> None:
        self.sink = sink
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> bool:
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._poll_once()
            except Exception as exc:
                if self._stop.is_set():
                    break
                self.sink.write(self.name, f"poller error: {type(exc).__name__}: {exc}")
                self._stop.wait(_ERROR_SLEEP)

    def _poll_once(self) -> None:
        raise NotImplementedError


# ------------------------------------------------------------------------------------------ SQS


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A message as the Lambda SQS event carries it."""
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        binary = value.get("BinaryValue")
        attribute: dict[str, Any] = {
            "stringListValues": list(value.get("StringListValues") or []),
            "binaryListValues": [base64.b64encode(b).decode() for b in value.get("BinaryListValues") or []],
            "dataType": value.get("DataType"),
        }
        if "StringValue" in value:
            attribute["stringValue"] = value["StringValue"]
        if binary is not None:
            attribute["binaryValue"] = base64.b64encode(binary).decode()
        attributes[name] = attribute
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def batch_item_failures(payload: Any, identifiers: set[str]) -> set[str] | None:
    """Identifiers the function reported failed; None when the report is invalid (whole batch failed)."""
    if payload is None or not isinstance(payload, Mapping):
        return set()
    failures = payload.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in identifiers:
            return None  # Lambda treats an unknown or empty identifier as a failure of the whole batch
        failed.add(identifier)
    return failed


class SqsPoller(_PollerThread):
    def __init__(
        self,
        invoker: Invokes,
        function: FunctionSpec,
        event: SqsEvent,
        *,
        sqs: SQSClient,
        queue_url: str,
        queue_arn: str,
        region: str,
        visibility_timeout: int | None,
        sink: LogSink,
    ) -> None:
        self.name = f"{function.logical_id}.{event.name}"
        super().__init__(sink)
        self.invoker = invoker
        self.function = function
        self.event = event
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self.visibility_timeout = visibility_timeout

    def _receive(self, count: int) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MaxNumberOfMessages": max(1, min(count, 10)),
            "WaitTimeSeconds": 1,
            "AttributeNames": ["All"],
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }
        if self.visibility_timeout is not None:
            request["VisibilityTimeout"] = self.visibility_timeout
        messages: list[dict[str, Any]] = self.sqs.receive_message(**request).get("Messages", [])  # type: ignore[assignment]
        return messages

    def _poll_once(self) -> None:
        messages = self._receive(self.event.batch_size)
        if not messages:
            return
        # With a batching window, keep gathering until the batch is full or the window closes.
        window_end = time.monotonic() + self.event.maximum_batching_window
        while len(messages) < self.event.batch_size and time.monotonic() < window_end and not self.stopping:
            messages += self._receive(self.event.batch_size - len(messages))
        records = [sqs_record(m, self.queue_arn, self.region) for m in messages]
        wanted = [r for r in records if matches_any(self.event.filter_patterns, sqs_filter_view(r))]
        # Lambda deletes messages its filter drops: they would otherwise come back forever.
        self._delete([r for r in records if r not in wanted])
        if not wanted:
            return
        result = self.invoker.invoke(self.function.logical_id, {"Records": wanted})
        if not result.ok:
            return  # nothing deleted: every message becomes visible again after the timeout
        failed: set[str] = set()
        if self.event.report_batch_item_failures:
            reported = batch_item_failures(result.payload, {r["messageId"] for r in wanted})
            if reported is None:
                self.sink.write(self.name, "invalid batchItemFailures: the whole batch is retried")
                return
            failed = reported
        self._delete([r for r in wanted if r["messageId"] not in failed])

    def _delete(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 10):
            chunk = records[start : start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ streams


def _attribute_value(value: Any) -> Any:
    """boto3 hands binary attribute values over as bytes; the Lambda event carries base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, list):
        return [_attribute_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _attribute_value(item) for key, item in value.items()}
    return value


def stream_record(raw: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A DynamoDB stream record as the Lambda DynamoDB event carries it."""
    change = dict(raw.get("dynamodb") or {})
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    for key in ("Keys", "NewImage", "OldImage"):
        if key in change:
            change[key] = _attribute_value(change[key])
    record = {
        "eventID": raw.get("eventID"),
        "eventName": raw.get("eventName"),
        "eventVersion": raw.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion") or region,
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in raw:
        record["userIdentity"] = raw["userIdentity"]
    return record


def first_stream_failure(payload: Any, batch: list[dict[str, Any]]) -> int | None:
    """Index of the first record to retry from (0: whole batch), None when the batch succeeded."""
    sequences = [r["dynamodb"]["SequenceNumber"] for r in batch]
    failed = batch_item_failures(payload, set(sequences))
    if failed is None:
        return 0
    if not failed:
        return None
    return min(sequences.index(sequence) for sequence in failed)


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    pending: list[dict[str, Any]]
    since: float = 0.0  # when the oldest pending record was read
    seen: int | None = None  # the stream's record count before a GetRecords that read everything
    polled: float = 0.0  # when GetRecords was last called


class StreamPoller(_PollerThread):
    def __init__(
        self,
        invoker: Invokes,
        function: FunctionSpec,
        event: StreamEvent,
        *,
        streams: Any,  # a boto3 dynamodbstreams client
        stream_arn: str,
        region: str,
        sink: LogSink,
        sqs: SQSClient | None = None,
        on_failure_url: str | None = None,
        function_arn: str = "",
        retry_delay: float = 0.1,
        record_count: Callable[[], int | None] | None = None,
    ) -> None:
        self.name = f"{function.logical_id}.{event.name}"
        super().__init__(sink)
        self.invoker = invoker
        self.function = function
        self.event = event
        self.streams = streams
        self.stream_arn = stream_arn
        self.region = region
        self.sqs = sqs
        self.on_failure_url = on_failure_url
        self.function_arn = function_arn
        self.retry_delay = retry_delay
        # How many records the emulator holds in the stream (None: unknown), read without a request:
        # an idle local stack made a GetRecords call per mapping five times a second (docs/local-stack.md)
        self.record_count = record_count
        self._shards: dict[str, _Shard] = {}
        self._refreshed = 0.0
        # The first shards start where the mapping says; shards that appear later are read from the start.
        self._refresh_shards(self.event.starting_position)

    def _refresh_shards(self, position: str = "TRIM_HORIZON") -> None:
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id in self._shards:
                continue
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
            )["ShardIterator"]
            self._shards[shard_id] = _Shard(shard_id, iterator, [])
        self._refreshed = time.monotonic()

    def _poll_once(self) -> None:
        if time.monotonic() - self._refreshed > _STREAM_REFRESH_SECONDS:
            self._refresh_shards()
        busy = False
        for shard in list(self._shards.values()):
            if self.stopping:
                return
            room = shard.iterator is not None and len(shard.pending) < self.event.batch_size
            if room and not self._quiet(shard):
                count = self.record_count() if self.record_count else None
                shard.polled = time.monotonic()
                response = self.streams.get_records(ShardIterator=shard.iterator, Limit=self.event.batch_size)
                shard.iterator = response.get("NextShardIterator")
                # read to the end (fewer than asked): nothing more until the count grows
                shard.seen = count if len(response["Records"]) < self.event.batch_size else None
                fresh = [stream_record(r, self.stream_arn, self.region) for r in response["Records"]]
                if fresh and not shard.pending:
                    shard.since = time.monotonic()
                shard.pending += fresh
            if shard.pending and self._batch_ready(shard):
                busy = True
                self._deliver(shard)
        if not busy:
            self._stop.wait(_IDLE_SLEEP)

    def _quiet(self, shard: _Shard) -> bool:
        """Nothing written to the stream since a GetRecords that read everything (and that call is
        recent): the next call would answer no records."""
        if self.record_count is None or shard.seen is None:
            return False
        recent = time.monotonic() - shard.polled < _QUIET_POLL_SECONDS
        return recent and self.record_count() == shard.seen

    def _batch_ready(self, shard: _Shard) -> bool:
        """MaximumBatchingWindowInSeconds: a partial batch waits for more records up to the window."""
        window = self.event.maximum_batching_window
        full = len(shard.pending) >= self.event.batch_size or shard.iterator is None
        return full or window <= 0 or time.monotonic() - shard.since >= window

    def _deliver(self, shard: _Shard) -> None:
        """Hand the shard's pending records to the function in order; return when all are consumed."""
        attempts, size = 0, self.event.batch_size
        while shard.pending and not self.stopping:
            batch = shard.pending[:size]
            wanted = [r for r in batch if matches_any(self.event.filter_patterns, r)]
            if not wanted:
                del shard.pending[: len(batch)]
                continue
            result = self.invoker.invoke(self.function.logical_id, {"Records": wanted})
            if result.ok:
                failed_at = (
                    first_stream_failure(result.payload, wanted)
                    if self.event.report_batch_item_failures
                    else None
                )
                if failed_at is None:
                    del shard.pending[: len(batch)]
                    attempts, size = 0, self.event.batch_size
                    continue
                # Checkpoint before the first failed record; the retry starts with it.
                del shard.pending[: batch.index(wanted[failed_at])]
            attempts += 1
            limit = self.event.maximum_retry_attempts
            if 0 <= limit < attempts:
                failing = shard.pending[:size]
                self._discard(shard, failing, result)
                del shard.pending[: len(failing)]
                attempts, size = 0, self.event.batch_size
                continue
            if not result.ok and self.event.bisect_batch_on_function_error and size > 1:
                size = math.ceil(min(size, len(batch)) / 2)
            self._stop.wait(min(2.0, self.retry_delay * 2 ** (attempts - 1)))

    def _discard(self, shard: _Shard, records: list[dict[str, Any]], result: InvocationResult) -> None:
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        self.sink.write(
            self.name,
            f"retries exhausted: skipping {len(records)} record(s) "
            f"{first.get('SequenceNumber')}..{last.get('SequenceNumber')} of {shard.shard_id}",
        )
        if self.sqs is None or self.on_failure_url is None:
            return
        # The invocation record Lambda sends to an OnFailure destination (metadata, not the records).
        message = {
            "requestContext": {
                "requestId": result.request_id,
                "functionArn": self.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.event.maximum_retry_attempts + 1,
            },
            "responseContext": {"statusCode": 200, "functionError": (result.error or {}).get("errorType")},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard.shard_id,
                "startSequenceNumber": first.get("SequenceNumber"),
                "endSequenceNumber": last.get("SequenceNumber"),
                "approximateArrivalOfFirstRecord": first.get("ApproximateCreationDateTime"),
                "approximateArrivalOfLastRecord": last.get("ApproximateCreationDateTime"),
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
        }
        self.sqs.send_message(QueueUrl=self.on_failure_url, MessageBody=json.dumps(message, default=str))


# ------------------------------------------------------------------------------------------ wiring


def _counter(
    stream_records: Callable[[str], int | None] | None, stream_arn: str
) -> Callable[[], int | None] | None:
    return None if stream_records is None else lambda: stream_records(stream_arn)


class Pollers:
    """Every event-source mapping of a template, started and stopped together."""

    def __init__(self, pollers: list[_PollerThread]) -> None:
        self.pollers = pollers

    @classmethod
    def from_template(
        cls,
        template: Template,
        invoker: Invokes,
        *,
        sqs: SQSClient,
        dynamodb: DynamoDBClient,
        streams: Any,
        queue_urls: Mapping[str, str],
        sink: LogSink,
        time_scale: float = 1.0,
        stream_records: Callable[[str], int | None] | None = None,
    ) -> Pollers:
        pollers: list[_PollerThread] = []
        for function in template.functions.values():
            for sqs_event in function.sqs_events:
                if not sqs_event.enabled:
                    continue
                queue = template.queues[sqs_event.queue]
                visibility: int | None = None
                if time_scale != 1.0:
                    configured = float(queue.properties.get("VisibilityTimeout", 30))
                    visibility = max(0, math.ceil(configured * time_scale))
                pollers.append(
                    SqsPoller(
                        invoker,
                        function,
                        sqs_event,
                        sqs=sqs,
                        queue_url=queue_urls[sqs_event.queue],
                        queue_arn=template.queue_arn(sqs_event.queue),
                        region=template.region,
                        visibility_timeout=visibility,
                        sink=sink,
                    )
                )
            for stream_event in function.stream_events:
                if not stream_event.enabled:
                    continue
                table = template.tables[stream_event.table]
                stream_arn = dynamodb.describe_table(TableName=table.name)["Table"].get("LatestStreamArn")
                if not stream_arn:
                    raise ValueError(f"{function.logical_id}: table {table.logical_id} has no stream")
                failure_queue = stream_event.on_failure_queue
                pollers.append(
                    StreamPoller(
                        invoker,
                        function,
                        stream_event,
                        streams=streams,
                        stream_arn=stream_arn,
                        region=template.region,
                        sink=sink,
                        sqs=sqs,
                        on_failure_url=queue_urls.get(failure_queue) if failure_queue else None,
                        function_arn=template.function_arn(function.logical_id),
                        retry_delay=0.1 * time_scale if time_scale < 1 else 0.1,
                        record_count=_counter(stream_records, stream_arn),
                    )
                )
        return cls(pollers)

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        """Ask every poller to stop; one in the middle of an invocation finishes it first."""
        for poller in self.pollers:
            poller.stop()

    def join(self, timeout: float = 10.0) -> bool:
        """Wait for the poller threads; True when all have ended."""
        deadline = time.monotonic() + timeout
        return all(poller.join(max(0.0, deadline - time.monotonic())) for poller in self.pollers)
