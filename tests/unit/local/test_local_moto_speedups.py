"""moto_patches speed-ups of the local stack: an item is measured once (the 400 KB limit still holds)
and item requests without binary values skip moto's shape walk (binary values still round-trip)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import parse

from trackhub_local.moto_patches import linear_item_size_check, plain_json_item_requests


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
    # Given items with and without binary values (a JSON string may contain the text "B":)
    text = {"PK": {"S": "t"}, "doc": {"S": '{"B": 1}'}, "m": {"M": {"n": {"N": "2"}}}}
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
