"""moto_patches: a cancelled transaction must not cut a table's stream off from its readers."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from trackhub_local.moto_patches import rollback_touched_items_only


def test_a_stream_iterator_sees_writes_after_a_cancelled_transaction() -> None:
    rollback_touched_items_only()
    rollback_touched_items_only()  # idempotent
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


def test_a_cancelled_transaction_restores_exactly_the_items_it_touched() -> None:
    rollback_touched_items_only()
    with mock_aws():
        # Given a table with a range key holding three items, and one item outside the transaction
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="r",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for sk, n in (("updated", "1"), ("deleted", "2"), ("guard", "3"), ("other", "4")):
            ddb.put_item(TableName="r", Item={"PK": {"S": "p"}, "SK": {"S": sk}, "n": {"N": n}})
        # When a transaction updates one, deletes one, creates one, then fails its last condition
        with pytest.raises(ClientError, match="TransactionCanceled"):
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "r",
                            "Key": {"PK": {"S": "p"}, "SK": {"S": "updated"}},
                            "UpdateExpression": "SET n = :n",
                            "ExpressionAttributeValues": {":n": {"N": "100"}},
                        }
                    },
                    {"Delete": {"TableName": "r", "Key": {"PK": {"S": "p"}, "SK": {"S": "deleted"}}}},
                    {"Put": {"TableName": "r", "Item": {"PK": {"S": "p"}, "SK": {"S": "ghost"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "r",
                            "Key": {"PK": {"S": "p"}, "SK": {"S": "guard"}},
                            "ConditionExpression": "n = :x",
                            "ExpressionAttributeValues": {":x": {"N": "0"}},
                        }
                    },
                ]
            )
        # Then the table is exactly as before: the update undone, the delete undone, no ghost
        items = ddb.query(
            TableName="r", KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "p"}}
        )["Items"]
        assert {i["SK"]["S"]: i["n"]["N"] for i in items} == {
            "updated": "1",
            "deleted": "2",
            "guard": "3",
            "other": "4",
        }
