"""Create the template's tables, queues and buckets in a DynamoDB / SQS / S3 endpoint (moto, locally).

The template is the only definition: every table and queue property the local services understand is
passed through, so a key schema or index changed in template.yaml is what the functions see next run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trackhub_local.template import QueueSpec, Template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

# CreateTable parameters that map one to one onto AWS::DynamoDB::Table properties.
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "Tags",
)

_GSI_KEYS = frozenset({"IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput"})
_LSI_KEYS = frozenset({"IndexName", "KeySchema", "Projection"})

# AWS::SQS::Queue properties that are queue attributes (CreateQueue takes them as strings).
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "RedrivePolicy",
    "RedriveAllowPolicy",
)


def table_request(name: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """The CreateTable request for a table's CloudFormation Properties."""
    request: dict[str, Any] = {"TableName": name}
    for key in _TABLE_KEYS:
        if key in properties:
            request[key] = properties[key]
    stream = request.get("StreamSpecification")
    if stream is not None:
        # CloudFormation only has StreamViewType; the API also wants StreamEnabled.
        request["StreamSpecification"] = {"StreamEnabled": True, **stream}
    if "SSESpecification" in request:  # CloudFormation says SSEEnabled where the API says Enabled
        sse = dict(request["SSESpecification"])
        enabled = sse.pop("SSEEnabled", False) in (True, "true", "True")
        request["SSESpecification"] = {"Enabled": enabled, **sse}
    # CloudFormation-only index keys (ContributorInsightsSpecification ...) are not CreateTable's.
    for key, allowed in (("GlobalSecondaryIndexes", _GSI_KEYS), ("LocalSecondaryIndexes", _LSI_KEYS)):
        if key in request:
            request[key] = [{k: v for k, v in index.items() if k in allowed} for index in request[key]]
    if request.get("BillingMode", "PROVISIONED") == "PROVISIONED" and "ProvisionedThroughput" not in request:
        request["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    return request


def create_tables(dynamodb_client: DynamoDBClient, template: Template) -> dict[str, str]:
    """Create every AWS::DynamoDB::Table of the template; return logical id -> table name."""
    names: dict[str, str] = {}
    for logical_id, spec in template.tables.items():
        dynamodb_client.create_table(**table_request(spec.name, spec.properties))
        ttl = spec.properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled") in (True, "true", "True"):
            dynamodb_client.update_time_to_live(
                TableName=spec.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": str(ttl["AttributeName"])},
            )
        recovery = spec.properties.get("PointInTimeRecoverySpecification") or {}
        if recovery.get("PointInTimeRecoveryEnabled") in (True, "true", "True"):
            dynamodb_client.update_continuous_backups(
                TableName=spec.name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        names[logical_id] = spec.name
    return names


def queue_attributes(properties: Mapping[str, Any]) -> dict[str, str]:
    """CreateQueue attributes for a queue's CloudFormation Properties (already resolved)."""
    attributes: dict[str, str] = {}
    for key in _QUEUE_ATTRIBUTES:
        if key not in properties:
            continue
        value = properties[key]
        if isinstance(value, dict | list):
            attributes[key] = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, bool):
            attributes[key] = "true" if value else "false"
        else:
            attributes[key] = str(value)
    return attributes


def _creation_order(queues: Mapping[str, QueueSpec]) -> list[QueueSpec]:
    """Dead-letter queues before the queues that redrive to them (SQS checks the target exists)."""
    ordered: list[QueueSpec] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in visiting or any(q.logical_id == logical_id for q in ordered):
            return
        visiting.add(logical_id)
        dlq = queues[logical_id].dead_letter_queue
        if dlq is not None and dlq in queues:
            visit(dlq)
        ordered.append(queues[logical_id])

    for logical_id in queues:
        visit(logical_id)
    return ordered


def create_queues(sqs_client: SQSClient, template: Template) -> dict[str, str]:
    """Create every AWS::SQS::Queue of the template, DLQs first; return logical id -> queue URL."""
    urls: dict[str, str] = {}
    for spec in _creation_order(template.queues):
        tags = {str(t["Key"]): str(t["Value"]) for t in spec.properties.get("Tags") or []}
        response = sqs_client.create_queue(
            QueueName=spec.name,
            Attributes=queue_attributes(spec.properties),  # type: ignore[arg-type]
            tags=tags,
        )
        urls[spec.logical_id] = response["QueueUrl"]
    return urls


def create_buckets(s3_client: S3Client, template: Template) -> dict[str, str]:
    """Create every AWS::S3::Bucket of the template (by name only); return logical id -> bucket name."""
    names: dict[str, str] = {}
    for logical_id, spec in template.buckets.items():
        if template.region == "us-east-1":  # the one region that refuses a LocationConstraint
            s3_client.create_bucket(Bucket=spec.name)
        else:
            s3_client.create_bucket(
                Bucket=spec.name,
                CreateBucketConfiguration={"LocationConstraint": template.region},  # type: ignore[typeddict-item]
            )
        names[logical_id] = spec.name
    return names
