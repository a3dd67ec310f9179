"""Webhook unit tests: moto for DynamoDB and SQS, a real HTTPS receiver on 127.0.0.1 for the sender.

Fixtures:
    receiver   an HTTPS receiver with a throwaway CA (SSL_CERT_FILE points at it; loopback allowed)
    wh         the template's tables and webhook queues in moto, an account with a `webhooks` key,
               and helpers to call the functions and to run the worker over what the queue holds
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from hubtest.apigw import api_event, basic
from hubtest.functions import LambdaContext, Reply, invoke, load_function
from hubtest.receiver import Receiver
from hubtest.streams import stream_records
from hubtest.template import project_template

from trackhub.config import reset_settings
from trackhub.storage.clients import reset_clients
from trackhub.tenancy import service as tenancy
from trackhub.webhooks import queue
from trackhub_local.filters import matches_any
from trackhub_local.pollers import sqs_record
from trackhub_local.resources import create_queues

ROOT = Path(__file__).resolve().parents[3]

# Powertools reads POWERTOOLS_* when trackhub.observability is first imported (at collection here).
for _name, _value in {
    "POWERTOOLS_SERVICE_NAME": "trackhub",
    "POWERTOOLS_METRICS_NAMESPACE": "trackhub",
    "POWERTOOLS_TRACE_DISABLED": "true",
}.items():
    os.environ.setdefault(_name, _value)


def _metrics_namespace() -> None:
    """If another suite imported trackhub.observability before the variables were set, fix it up."""
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture
def receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    rx = Receiver.start(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(rx.ca_file))
    monkeypatch.setenv("WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
    reset_settings()
    try:
        yield rx
    finally:
        rx.stop()


@dataclass
class Webhooks:
    auth: str  # Basic header of a key with `webhooks` and read rights on every program of the account
    account_id: str
    program_id: str
    no_scope_auth: str  # a key of the same account without `webhooks`
    sqs: Any
    queue_url: str
    dlq_url: str
    forwarded: set[str] = field(default_factory=set)  # stream eventIDs run_outbox handed over

    def call(
        self,
        method: str,
        path: str,
        function: str,
        *,
        body: Any = None,
        auth: str | None = None,
        resource: str | None = None,
        path_parameters: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Reply:
        headers = {"Authorization": auth if auth is not None else self.auth}
        return invoke(
            function,
            api_event(
                method,
                path,
                resource=resource,
                body=body,
                headers=headers,
                path_parameters=path_parameters,
                query=query,
            ),
        )

    def render(self, content: str, context: dict[str, Any] | None = None) -> Reply:
        return self.call(
            "POST",
            "/v1/content/render",
            "content_render",
            body={"content": content, "context": context or {}},
        )

    def outbox_records(self, *, fresh: bool = True) -> list[dict[str, Any]]:
        """WebhooksTable's stream as the outbox mapping would hand it over: the template's filter
        applied; `fresh` leaves out what an earlier run_outbox saw."""
        records = [
            r
            for r in stream_records(os.environ["WEBHOOKS_TABLE_NAME"])
            if matches_any(_outbox_filters(), r) and not (fresh and r["eventID"] in self.forwarded)
        ]
        return records

    def run_outbox(self, records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """One webhook_outbox invocation over the new outbox records (or the records given)."""
        batch = self.outbox_records() if records is None else records
        if not batch:
            return {"batchItemFailures": [], "records": 0}
        result: dict[str, Any] = load_function("webhook_outbox").lambda_handler(
            {"Records": batch}, LambdaContext(function_name="webhook_outbox")
        )
        self.forwarded |= {r["eventID"] for r in batch}
        return {**result, "records": len(batch)}

    def render_and_queue(self, content: str, context: dict[str, Any] | None = None) -> Reply:
        """A render whose deliveries the outbox then queued (as the stream mapping would)."""
        reply = self.render(content, context)
        self.run_outbox()
        return reply

    def pending_messages(self, url: str | None = None) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=url or self.queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        return got

    def deliver_once(self) -> dict[str, Any]:
        """One worker invocation over what the queue holds now (as the SQS event source would)."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=5, VisibilityTimeout=30, AttributeNames=["All"]
        ).get("Messages", [])
        records = [sqs_record(m, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1") for m in messages]
        if not records:
            return {"batchItemFailures": [], "records": 0}
        result: dict[str, Any] = load_function("webhook_deliver").lambda_handler(
            {"Records": records}, LambdaContext(function_name="webhook_deliver")
        )
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for record in records:  # the event source mapping deletes what succeeded
            if record["messageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"])
        return {**result, "records": len(records)}


@pytest.fixture
def wh(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhooks]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    urls = create_queues(sqs, project_template())
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", urls["WebhookDeliveryQueue"])
    monkeypatch.setenv("WEBHOOK_DLQ_URL", urls["WebhookDeliveryDLQ"])
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "5")  # the test context has 10 s left
    reset_settings()
    reset_clients()
    queue.reset_client()
    _metrics_namespace()
    account = tenancy.create_account("Acme", "acme")
    program = tenancy.create_program(account.account_id, "ACME-LMS", "LMS")
    key, secret = tenancy.create_key(account.account_id, ["webhooks", "events:read:*"], "webhooks")
    plain, plain_secret = tenancy.create_key(account.account_id, ["events:read:*"], "no webhooks")
    yield Webhooks(
        auth=basic(key.user_id, secret),
        account_id=account.account_id,
        program_id=program.program_id,
        no_scope_auth=basic(plain.user_id, plain_secret),
        sqs=sqs,
        queue_url=urls["WebhookDeliveryQueue"],
        dlq_url=urls["WebhookDeliveryDLQ"],
    )
    queue.reset_client()


def _outbox_filters() -> tuple[dict[str, Any], ...]:
    """The FilterCriteria of the outbox's event-source mapping, from the template."""
    (event,) = project_template().functions["WebhookOutboxFunction"].stream_events
    return tuple(event.filter_patterns)


def body_of(message: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(message["Body"])
    return value
