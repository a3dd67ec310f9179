"""What the webhooks tests share: the account's handle (calls, the outbox, the delivery worker) and
message bodies."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from hubtest.apigw import api_event
from hubtest.functions import LambdaContext, Reply, invoke, load_function
from hubtest.streams import stream_records
from hubtest.template import project_template

from trackhub_local.filters import matches_any
from trackhub_local.pollers import sqs_record


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


def _outbox_filters() -> tuple[dict[str, Any], ...]:
    """The FilterCriteria of the outbox's event-source mapping, from the template."""
    (event,) = project_template().functions["WebhookOutboxFunction"].stream_events
    return tuple(event.filter_patterns)


def body_of(message: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(message["Body"])
    return value
