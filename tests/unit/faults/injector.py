"""Fault injection on the hub's own boto3 clients through botocore's event hooks (no fake boto3).

`before-call` fires once per API call (it counts logical calls and decides which ones fail);
`before-send` fires once per HTTP attempt inside botocore's retry loop, so an injected throttle is
retried by the clients' standard retry mode exactly as a real one would be. The injected answer is a
real HTTP response (status, headers, JSON body) that botocore parses into its usual ClientError.
botocore asks every `before-send` handler and takes the first answer, so ours runs first and, for an
attempt it fails, pauses moto's handler: the failed attempt must not also happen in moto.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from moto.core.models import botocore_stubber

from trackhub.storage.clients import dynamodb_client, dynamodb_resource
from trackhub.webhooks import queue

WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "TransactWriteItems",
        "BatchWriteItem",
        "SendMessage",
        "SendMessageBatch",
        "ChangeMessageVisibility",
        "DeleteMessage",
    }
)


class _Body:
    """The raw stream AWSResponse reads its content from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass(frozen=True)
class Fault:
    """What one failing HTTP attempt looks like."""

    name: str
    status: int = 400
    error_type: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    connection: bool = False  # raise a connection error instead of answering
    operations: frozenset[str] | None = None  # the only calls that can fail this way (None: any)
    lost_answer: bool = False  # the request is carried out, then its answer times out

    def answer(self, request: Any) -> AWSResponse:
        if self.lost_answer:
            botocore_stubber("before-send", request)  # moto carries the request out...
            raise ReadTimeoutError(endpoint_url=str(request.url))  # ...and the answer never arrives
        if self.connection:
            raise EndpointConnectionError(endpoint_url=str(request.url))
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{self.error_type}", "message": self.name}
        body.update(self.extra)
        headers = {
            "x-amzn-RequestId": "injected",
            "Content-Type": "application/x-amz-json-1.0",
            # SQS speaks JSON with its query-era error code in this header.
            "x-amzn-query-error": f"{self.error_type};Sender",
        }
        return AWSResponse(str(request.url), self.status, headers, _Body(json.dumps(body).encode()))


THROTTLED = Fault("throughput exceeded", error_type="ProvisionedThroughputExceededException")
THROTTLING = Fault("rate exceeded", error_type="ThrottlingException")
INTERNAL = Fault("internal server error", status=500, error_type="InternalServerError")
CONNECTION = Fault("connection refused", connection=True)
TRANSACTION_THROTTLED = Fault(
    "transaction throttled",
    error_type="TransactionCanceledException",
    extra={"CancellationReasons": [{"Code": "ThrottlingError", "Message": "Throughput exceeds the limit"}]},
    operations=frozenset({"TransactWriteItems", "TransactGetItems"}),
)
# A write that happened although its caller saw a timeout (botocore then retries it).
LOST_ANSWER = Fault(
    "read timeout",
    lost_answer=True,
    operations=frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}),
)
SQS_UNAVAILABLE = Fault("sqs unavailable", status=503, error_type="ServiceUnavailable")


@dataclass
class Call:
    service: str
    operation: str
    body: bytes = b""  # the serialized request
    attempts: int = 0
    failed: int = 0


# (call, its 1-based index among the calls the fault can hit) -> inject into it?
Selector = Callable[[Call, int], bool]


class Injector:
    """Registers hooks on every client the hub uses; `calls` records what each request did."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._selector: Selector | None = None
        self._fault: Fault = THROTTLED
        self._failures_per_call: int | None = None  # None: every attempt of a selected call fails
        self._current: Call | None = None
        self._current_selected = False
        self._paused = False
        self._eligible = 0

    def clients(self) -> list[Any]:
        return [dynamodb_client(), dynamodb_resource().meta.client, queue.sqs_client()]

    def install(self) -> None:
        for client in self.clients():
            client.meta.events.register("before-call", self._before_call, unique_id="faults-call")
            client.meta.events.register_first("before-send", self._before_send, unique_id="faults-send")
            client.meta.events.register_last("before-send", self._after_send, unique_id="faults-resume")

    def uninstall(self) -> None:
        for client in self.clients():
            client.meta.events.unregister("before-call", unique_id="faults-call")
            client.meta.events.unregister("before-send", unique_id="faults-send")
            client.meta.events.unregister("before-send", unique_id="faults-resume")

    @contextmanager
    def failing(
        self, fault: Fault, selector: Selector, *, attempts: int | None = None
    ) -> Iterator[list[Call]]:
        """Within the block, calls the selector picks fail: every attempt, or their first `attempts`."""
        self.calls = []
        self._eligible = 0
        self._fault, self._selector, self._failures_per_call = fault, selector, attempts
        try:
            yield self.calls
        finally:
            self._selector = None

    @contextmanager
    def recording(self) -> Iterator[list[Call]]:
        with self.failing(THROTTLED, lambda _call, _index: False) as calls:
            yield calls

    # -------------------------------------------------------------- hooks
    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        body = params.get("body") or b""
        call = Call(
            model.service_model.service_name, model.name, body if isinstance(body, bytes) else body.encode()
        )
        self.calls.append(call)
        self._current = call
        operations = self._fault.operations
        if operations is not None and call.operation not in operations:
            self._current_selected = False
            return
        self._eligible += 1
        self._current_selected = bool(self._selector and self._selector(call, self._eligible))

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        call = self._current
        if call is None:
            return None
        call.attempts += 1
        if not self._current_selected:
            return None
        if self._failures_per_call is not None and call.failed >= self._failures_per_call:
            return None
        call.failed += 1
        answer = self._fault.answer(request)  # raises for a connection fault: nothing else runs
        self._paused = botocore_stubber.enabled
        botocore_stubber.enabled = False
        return answer

    def _after_send(self, **_: Any) -> None:
        if self._paused:
            botocore_stubber.enabled = True
            self._paused = False


def nth_call(n: int) -> Selector:
    return lambda _call, index: index == n


def every(operation: str | None = None, *, writes_only: bool = False) -> Selector:
    def pick(call: Call, _index: int) -> bool:
        if operation is not None and call.operation != operation:
            return False
        return not writes_only or call.operation in WRITES

    return pick
