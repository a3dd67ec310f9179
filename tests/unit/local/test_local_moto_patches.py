"""moto_patches: a cancelled transaction must not cut a table's stream off from its readers."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from trackhub_local.moto_patches import keep_stream_shards_on_rollback


def test_a_stream_iterator_sees_writes_after_a_cancelled_transaction() -> None:
    keep_stream_shards_on_rollback()
    keep_stream_shards_on_rollback()  # idempotent
    with mock_aws():
        # Given a stream-enabled table and an iterator opened on its shard
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        arn = ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        ddb.put_item(TableName="t", Item={"PK": {"S": "held"}})
        # When a transaction is cancelled after one of its puts was applied
        with pytest.raises(ClientError, match="TransactionCanceled"):
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"PK": {"S": "ghost"}}}},
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"PK": {"S": "held"}},
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        ddb.put_item(TableName="t", Item={"PK": {"S": "after"}})
        # Then the open iterator sees the writes before and after, and nothing of the cancelled one
        records = streams.get_records(ShardIterator=iterator)["Records"]
        assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in records] == ["held", "after"]
