"""moto_patches speed-ups of the local stack: an item is measured once (the 400 KB limit still holds),
item requests without binary values skip moto's shape walk (binary values still round-trip), and plain
answers are written by json.dumps (botocore parses them exactly as moto's own)."""

from __future__ import annotations

import os
from typing import Any
from unittest.mock import patch

import boto3
import moto.backends as moto_backends
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import parse
from moto.core.responses import BaseResponse
from moto.core.serialize import JSONSerializer
from moto.dynamodb.responses import DynamoHandler

from trackhub_local.moto_patches import (
    linear_item_size_check,
    module_list_once,
    plain_json_item_requests,
    plain_json_item_responses,
)


@pytest.fixture
def ddb() -> Any:
    linear_item_size_check()
    plain_json_item_requests()
    linear_item_size_check()  # idempotent
    plain_json_item_requests()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_an_item_over_400_kb_is_still_refused_and_a_normal_one_is_stored(ddb: Any) -> None:
    # Given an item of many attributes under the limit and one over it
    small = {"PK": {"S": "a"}, **{f"a{i}": {"S": "x" * 100} for i in range(200)}}
    large = {"PK": {"S": "b"}, **{f"a{i}": {"S": "x" * 1000} for i in range(420)}}
    # When both are put
    ddb.put_item(TableName="t", Item=small)
    with pytest.raises(ClientError, match="Item size has exceeded"):
        ddb.put_item(TableName="t", Item=large)
    # Then the small one is stored whole and the large one not at all
    assert ddb.get_item(TableName="t", Key={"PK": {"S": "a"}})["Item"] == small
    assert "Item" not in ddb.get_item(TableName="t", Key={"PK": {"S": "b"}})


def test_item_requests_skip_the_shape_walk_unless_they_carry_binary_values(
    ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks: list[str] = []
    original = parse.JSONParser._parse_json_body

    def counted(self: Any, raw_body: Any, shape: Any) -> Any:
        walks.append(self.operation_model.name)
        return original(self, raw_body, shape)

    monkeypatch.setattr(parse.JSONParser, "_parse_json_body", counted)
    # Given items with and without binary values (a JSON string may contain the text "B":, and
    # attributes may be named B or BS: the statements' batch marker is)
    text = {
        "PK": {"S": "t"},
        "doc": {"S": '{"B": "1", "BS": ["2"]}'},
        "m": {"M": {"n": {"N": "2"}}},
        "B": {"S": "batch"},
        "BS": {"SS": ["x", "y"]},
    }
    binary = {"PK": {"S": "b"}, "blob": {"B": b"\x00\x01"}, "blobs": {"BS": [b"\x02"]}}
    # When they are written and read back
    ddb.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": text}}]})
    ddb.put_item(TableName="t", Item=binary)
    read_text = ddb.get_item(TableName="t", Key={"PK": {"S": "t"}})["Item"]
    read_binary = ddb.get_item(TableName="t", Key={"PK": {"S": "b"}})["Item"]
    # Then both round-trip unchanged
    assert read_text == text and read_binary == binary
    # And only the request carrying binary values was walked
    assert walks == ["PutItem"], walks


def _every_answer(client: Any) -> list[Any]:
    """One of each item operation's answers (items with every attribute type, hits and misses, an
    error) as botocore parsed them, ResponseMetadata left out."""
    item = {
        "PK": {"S": "a"},
        "n": {"N": "1.50"},
        "flag": {"BOOL": False},
        "nothing": {"NULL": True},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"N": "2"}]}}},
        "ss": {"SS": ["p", "q"]},
        "blob": {"B": b"\x00\xff"},
    }
    key = {"PK": {"S": "a"}}
    answers: list[Any] = [
        client.put_item(TableName="t", Item=item, ReturnValues="ALL_OLD"),
        client.put_item(TableName="t", Item={**item, "n": {"N": "3"}}, ReturnValues="ALL_OLD"),
        client.get_item(TableName="t", Key=key),
        client.get_item(TableName="t", Key={"PK": {"S": "missing"}}),
        client.batch_get_item(RequestItems={"t": {"Keys": [key, {"PK": {"S": "missing"}}]}}),
        client.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": {"PK": {"S": "b"}}}}]}),
        client.query(
            TableName="t", KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": key["PK"]}
        ),
        client.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": "4"}},
            ReturnValues="ALL_NEW",
        ),
        client.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {"PK": {"S": "c"}}}}]),
        client.delete_item(TableName="t", Key={"PK": {"S": "b"}}, ReturnValues="ALL_OLD"),
    ]
    with pytest.raises(ClientError) as refused:
        client.put_item(TableName="t", Item=key, ConditionExpression="attribute_not_exists(PK)")
    answers.append(refused.value.response["Error"])
    for answer in answers:
        answer.pop("ResponseMetadata", None)
    return answers


def test_answers_written_by_json_dumps_parse_exactly_as_moto_serialized_ones() -> None:
    # Given the same operations against moto as it is (the patch is process-wide: another test may
    # have applied it already, so moto's own method is put back for this run) and with the patch
    with mock_aws(), patch.object(DynamoHandler, "serialized", BaseResponse.serialized):
        as_moto = _every_answer(_table_client())
    plain_json_item_responses()
    plain_json_item_responses()  # idempotent
    with mock_aws():
        client = _table_client()
        # (the patch is in place: a plain answer never reaches moto's serializer)
        with patch.object(JSONSerializer, "serialize", side_effect=AssertionError("shape walk")):
            client.get_item(TableName="t", Key={"PK": {"S": "none"}})
        patched = _every_answer(client)
    # Then botocore parses every answer, including the error, to the same values
    assert patched == as_moto


def _table_client() -> Any:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def test_moto_lists_its_service_modules_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    module_list_once()
    module_list_once()  # idempotent
    first = list(moto_backends.list_of_moto_modules())
    # When the directory listing is no longer available, the list is still the same
    monkeypatch.setattr(os, "listdir", lambda path: (_ for _ in ()).throw(AssertionError(path)))
    assert list(moto_backends.list_of_moto_modules()) == first
    assert "dynamodb" in first and "sqs" in first
