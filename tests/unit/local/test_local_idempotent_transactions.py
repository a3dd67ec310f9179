"""moto_patches.idempotent_transactions: a retried TransactWriteItems (same token) is applied once."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from trackhub_local.moto_patches import idempotent_transactions


def _table(ddb: object) -> None:
    ddb.create_table(  # type: ignore[attr-defined]
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _new(pk: str) -> dict[str, object]:
    return {
        "Put": {
            "TableName": "t",
            "Item": {"PK": {"S": pk}},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def test_a_committed_transaction_retried_with_its_token_succeeds_without_applying_again() -> None:
    idempotent_transactions()
    idempotent_transactions()  # idempotent
    with mock_aws():
        # Given a transaction committed with a token
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb)
        token = str(uuid.uuid4())  # the patch remembers tokens per process, as DynamoDB per account
        ddb.transact_write_items(TransactItems=[_new("a")], ClientRequestToken=token)
        # When botocore sends it again with the same token (its answer was lost)
        ddb.transact_write_items(TransactItems=[_new("a")], ClientRequestToken=token)
        # Then the retry succeeds, and the item is there once
        assert ddb.scan(TableName="t")["Count"] == 1


def test_a_new_token_or_no_token_is_a_new_transaction() -> None:
    idempotent_transactions()
    with mock_aws():
        # Given a committed transaction
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb)
        ddb.transact_write_items(TransactItems=[_new("a")], ClientRequestToken=str(uuid.uuid4()))
        # When the same items come with another token, or none, their condition is checked again
        for token in (str(uuid.uuid4()), None):
            with pytest.raises(ClientError, match="TransactionCanceled"):
                if token:
                    ddb.transact_write_items(TransactItems=[_new("a")], ClientRequestToken=token)
                else:
                    ddb.transact_write_items(TransactItems=[_new("a")])
        # Then nothing more was written
        assert ddb.scan(TableName="t")["Count"] == 1
