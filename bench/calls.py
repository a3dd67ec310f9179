"""AWS calls per operation: the handlers in-process under moto's mock_aws, behind the local gateway.

    python -m bench.calls --out calls.json

Run by `make bench` in a process of its own (the counter must be installed before any boto3 client
exists). The template's tables and queues are created in mock_aws, the demo seed provisions them
through the real gateway (routing, proxy events) with every function called in this process, then each
operation runs twice and the second, warm, invocation is counted - Lambda reuses environments, so that
is what an operation costs in steady state. The first one is kept in the JSON as well.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.counter import CallCounter

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Minimum:
    calls: int
    why: str


# The least each operation can cost with this design; docs/performance.md explains each line.
MINIMUMS: dict[str, Minimum] = {
    "webtracking pull": Minimum(
        3, "key GetItem; webToken GetItem; one BatchGetItem of pathway, activity, user and progress"
    ),
    "webtracking push": Minimum(4, "as pull, then one conditional write (a transaction with an event)"),
    "collector start": Minimum(
        3,
        "code GetItem (it names the account); BatchGetItem of account, player, counter (two tables); "
        "one TransactWriteItems of player, counter, token",
    ),
    "collector track 10": Minimum(
        3,
        "token GetItem (its expiry written once a minute); code/player BatchGetItem; one "
        "TransactWriteItems: 10 statements + 13 postings (one per distinct actor, authority, activity, "
        "verb of the write group), all or nothing",
    ),
    "collector track 100": Minimum(
        8,
        "token GetItem (its expiry written once a minute); code/player BatchGetItem; ceil(items / 25) "
        "BatchWriteItem: 100 statements + 13 postings carrying the batch id; one TransactWriteItems "
        "creating the batch record that makes them visible (over 100 items: no single transaction "
        "holds them)",
    ),
    "event publish": Minimum(
        3, "key GetItem; BatchGetItem of program + feed counter; one TransactWriteItems"
    ),
    "event feed page": Minimum(4, "key GetItem; program+subscriptions Query; counter GetItem; feed Query"),
    "render one {WEBHOOK}": Minimum(2, "key GetItem; one TransactWriteItems (lock + delivery outbox)"),
    "one delivery": Minimum(
        3, "delivery GetItem; claim UpdateItem on the attempt number read; one TransactWriteItems (outcome)"
    ),
}


def _auth(entry: dict[str, Any]) -> dict[str, str]:
    import base64

    pair = f"{entry['userId']}:{entry['apiKey']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def run(out: Path) -> dict[str, Any]:
    import boto3
    from hubtest.functions import LambdaContext, load_function
    from hubtest.receiver import Receiver
    from hubtest.streams import mapped_records
    from moto import mock_aws

    from bench.client import Client
    from trackhub_cli.seed import seed_demo
    from trackhub_local.gateway import Gateway
    from trackhub_local.resources import create_buckets, create_queues, create_tables
    from trackhub_local.template import load_template
    from trackhub_local.workers import InvocationResult, function_environment

    template = load_template(ROOT / "template.yaml")

    class InProcess:
        """The gateway's invoker, calling each handler in this process (where the counter is)."""

        def invoke(self, function_logical_id: str, event: Any) -> InvocationResult:
            spec = template.functions[function_logical_id]
            request_id = str(uuid.uuid4())
            handler = load_function(spec.code_dir.name).lambda_handler
            try:
                payload = handler(event, LambdaContext(function_name=spec.name, aws_request_id=request_id))
            except Exception as exc:
                error = {"errorType": type(exc).__name__, "errorMessage": str(exc), "stackTrace": []}
                return InvocationResult(function_logical_id, request_id, error=error)
            return InvocationResult(function_logical_id, request_id, payload=payload)

    with tempfile.TemporaryDirectory(prefix="trackhub-bench-calls-") as work, mock_aws():
        # mock_aws starts a new default session: install the counter on it before any client exists.
        counter = CallCounter.on_default_session()
        receiver = Receiver.start(Path(work) / "receiver")
        env: dict[str, str] = {}
        for spec in template.functions.values():
            env.update(function_environment(spec, template, endpoint_url=""))
        env.pop("AWS_ENDPOINT_URL", None)  # mock_aws intercepts; nothing leaves the process
        env.pop("PYTHONPATH", None)
        env.update(
            {
                "WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
                "SSL_CERT_FILE": str(receiver.ca_file),
                "POWERTOOLS_LOG_LEVEL": "ERROR",
                "WEBHOOK_TIMEOUT_SECONDS": "5",  # the in-process context reports 10 s left
            }
        )
        os.environ.update(env)
        create_tables(boto3.client("dynamodb"), template)
        queues = create_queues(boto3.client("sqs"), template)
        create_buckets(boto3.client("s3"), template)
        gateway = Gateway(template, InProcess())
        gateway.start()
        try:
            demo = seed_demo(gateway.base_url, timeout=30)
            results = _operations(counter, Client(gateway.base_url), demo, receiver)
            results["one delivery"] = _delivery(
                counter, demo, receiver, queues["WebhookDeliveryQueue"], mapped_records, load_function
            )
        finally:
            gateway.stop()
            receiver.stop()
    report = {
        name: {
            "warm": dict(sorted(measured["warm"].items())),
            "warm_total": sum(measured["warm"].values()),
            "first": dict(sorted(measured["first"].items())),
            "first_total": sum(measured["first"].values()),
            "minimum": MINIMUMS[name].calls,
            "why": MINIMUMS[name].why,
        }
        for name, measured in results.items()
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


Measured = dict[str, Counter[str]]


def _twice(counter: CallCounter, operation: Callable[[int], None]) -> Measured:
    with counter.counting() as first:
        operation(0)
    with counter.counting() as warm:
        operation(1)
    return {"first": first, "warm": warm}


def _operations(
    counter: CallCounter, client: Any, demo: dict[str, Any], receiver: Any
) -> dict[str, Measured]:
    from bench.workload import batches

    def expect(status: int, answer: Any) -> Any:
        if answer.status != status:
            raise RuntimeError(f"expected {status}, got {answer.status}: {answer.body[:300]!r}")
        return answer

    key = _auth(demo["apiKey"])
    results: dict[str, Measured] = {}
    results["webtracking pull"] = _twice(
        counter,
        lambda i: expect(
            200, client.request("POST", "/v1/webtracking/pull", {"webToken": demo["webToken"]}, key)
        ),
    )
    results["webtracking push"] = _twice(
        counter,
        lambda i: expect(
            200,
            client.request(
                "POST", "/v1/webtracking/push", {"webToken": demo["webToken"], "progress": 10 + i}, key
            ),
        ),
    )
    sessions: list[dict[str, Any]] = []
    results["collector start"] = _twice(
        counter,
        lambda i: sessions.append(
            expect(200, client.request("POST", f"/api/collector/start/{demo['trackingCode']}")).json
        ),
    )
    session = sessions[-1]
    for size in (10, 100):
        two = batches(session["actor"], session["objectId"], count=2, size=size)
        results[f"collector track {size}"] = _twice(
            counter,
            lambda i, two=two: expect(  # type: ignore[misc]
                200,
                client.request(
                    "POST", "/api/collector/track", two[i], {"Authorization": session["authToken"]}
                ),
            ),
        )
    publisher = demo["publisher"]
    run_id = uuid.uuid4().hex[:8]
    results["event publish"] = _twice(
        counter,
        lambda i: expect(
            201,
            client.request(
                "POST",
                "/events",
                {
                    "PublisherProgramId": publisher["programId"],
                    "PublisherEventId": f"calls-{run_id}-{i}",
                    "EventType": "AI_COMP_SUCCESS",
                    "PublisherParticipantId": "joebob@example.com",
                    "PublisherEventData": {"score": 90},
                    "EventStartUtc": "2026-01-15T10:00:00Z",
                },
                _auth(publisher),
            ),
        ),
    )
    results["event feed page"] = _twice(
        counter,
        lambda i: expect(
            200,
            client.request(
                "GET", f"/events?program={publisher['programId']}", None, _auth(demo["subscriber"])
            ),
        ),
    )
    results["render one {WEBHOOK}"] = _twice(
        counter,
        lambda i: expect(
            200,
            client.request(
                "POST",
                "/v1/content/render",
                {"content": "<p>{WEBHOOK:" + receiver.url(f"/calls/{i}") + ":benchsecret:POST:0}</p>"},
                key,
            ),
        ),
    )
    return results


def _delivery(
    counter: CallCounter,
    demo: dict[str, Any],
    receiver: Any,
    queue_url: str,
    mapped_records: Callable[[str, str], list[dict[str, Any]]],
    load_function: Callable[[str], Any],
) -> Measured:
    """The renders above queued two deliveries: the outbox forwards them (not counted), then each is
    one webhook_deliver invocation, as the SQS event source hands it over."""
    import boto3
    from hubtest.functions import LambdaContext

    from trackhub_local.pollers import sqs_record

    load_function("webhook_outbox").lambda_handler(
        {"Records": mapped_records(os.environ["WEBHOOKS_TABLE_NAME"], "WebhookOutboxFunction")},
        LambdaContext(function_name="webhook_outbox"),
    )
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])[
        "Messages"
    ]
    if len(messages) != 2:
        raise RuntimeError(f"expected 2 queued deliveries, found {len(messages)}")

    def deliver(i: int) -> None:
        message = messages[i]
        record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:WebhookDeliveryQueue", "us-east-1")
        answer = load_function("webhook_deliver").lambda_handler(
            {"Records": [record]}, LambdaContext(function_name="webhook_deliver")
        )
        if answer.get("batchItemFailures"):
            raise RuntimeError(f"delivery failed: {answer}")

    measured = _twice(counter, deliver)
    if len(receiver.wait_for(2, timeout=5)) < 2:
        raise RuntimeError("the receiver did not get both deliveries")
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.calls")
    parser.add_argument("--out", type=Path, required=True)
    report = run(parser.parse_args().out)
    for name, row in report.items():
        print(f"{name:24} {row['warm_total']:3} (minimum {row['minimum']})  {row['warm']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
