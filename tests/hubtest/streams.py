"""A table's DynamoDB stream in moto, as a Lambda event-source mapping would hand it over."""

from __future__ import annotations

from typing import Any

import boto3

from hubtest.template import project_template
from trackhub_local.filters import matches_any


def stream_records(table_name: str) -> list[dict[str, Any]]:
    """Everything on the table's stream, oldest first, in the Lambda DynamoDB record shape."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = client.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for raw in streams.get_records(ShardIterator=iterator)["Records"]:
            change = dict(raw["dynamodb"])
            change.pop("ApproximateCreationDateTime", None)  # a datetime in boto3; an epoch in Lambda
            records.append(
                {
                    "eventID": raw["eventID"],
                    "eventName": raw["eventName"],
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": "us-east-1",
                    "dynamodb": change,
                    "eventSourceARN": arn,
                }
            )
    return records


def mapped_records(table_name: str, function_logical_id: str) -> list[dict[str, Any]]:
    """The stream records the function's (only) stream event source passes through its FilterCriteria."""
    (event,) = project_template().functions[function_logical_id].stream_events
    return [r for r in stream_records(table_name) if matches_any(event.filter_patterns, r)]
