"""The asynchronous half of webhooks as Lambda's event sources drive it: the events table's stream →
webhook_fanout, the webhooks table's stream → webhook_outbox, the delivery queue → webhook_deliver.

Records and messages are handed over the way the mappings do (the template's filters applied,
ReportBatchItemFailures honoured: a failed stream record is offered again, a failed or crashed
SQS message stays on the queue); nothing here decides an outcome on the functions' behalf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from faults_support import REGION, Stack
from hubtest.functions import LambdaContext, load_function
from hubtest.streams import stream_records
from hubtest.template import project_template

from trackhub_local.filters import matches_any
from trackhub_local.pollers import sqs_record


def _filters(logical_id: str) -> tuple[dict[str, Any], ...]:
    (event,) = project_template().functions[logical_id].stream_events
    return tuple(event.filter_patterns)


@dataclass
class Pipeline:
    stack: Stack
    done: set[str] = field(default_factory=set)  # stream records a function finished without failure

    def _stream(self, table_logical_id: str, function_logical_id: str) -> list[dict[str, Any]]:
        filters = _filters(function_logical_id)
        records = stream_records(self.stack.tables[table_logical_id])
        return [r for r in records if matches_any(filters, r) and r["eventID"] not in self.done]

    def _run_stream(self, function: str, records: list[dict[str, Any]]) -> list[str]:
        if not records:
            return []
        result = load_function(function).lambda_handler(
            {"Records": records}, LambdaContext(function_name=function)
        )
        failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
        # The mapping retries from the first failed record: everything before it is done.
        for record in records:
            if record["dynamodb"]["SequenceNumber"] in failed:
                break
            self.done.add(record["eventID"])
        return failed

    def fan_out(self) -> list[str]:
        """One webhook_fanout invocation over the events stream's new feed inserts; the failed ones."""
        return self._run_stream("webhook_fanout", self._stream("EventsTable", "WebhookFanoutFunction"))

    def outbox(self) -> list[str]:
        return self._run_stream("webhook_outbox", self._stream("WebhooksTable", "WebhookOutboxFunction"))

    def messages(self, url: str | None = None) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        got: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=url or self.stack.queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        return got

    def deliver(self, batch_size: int = 5) -> dict[str, Any]:
        """One webhook_deliver invocation. Messages are received with visibility 0 (as if the timeout
        had passed by the next poll); the mapping deletes only what the function reported done, and
        nothing when the invocation itself failed."""
        sqs = boto3.client("sqs", region_name=REGION)
        messages = sqs.receive_message(
            QueueUrl=self.stack.queue_url,
            MaxNumberOfMessages=batch_size,
            VisibilityTimeout=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        arn = f"arn:aws:sqs:{REGION}:123456789012:WebhookDeliveryQueue"
        records = [sqs_record(m, arn, REGION) for m in messages]
        if not records:
            return {"records": 0, "failed": []}
        result = load_function("webhook_deliver").lambda_handler(
            {"Records": records}, LambdaContext(function_name="webhook_deliver")
        )
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for record in records:
            if record["messageId"] not in failed:
                sqs.delete_message(QueueUrl=self.stack.queue_url, ReceiptHandle=record["receiptHandle"])
        return {"records": len(records), "failed": sorted(failed)}

    def drain(self, rounds: int = 20) -> None:
        for _ in range(rounds):
            if not self.deliver()["records"]:
                return
