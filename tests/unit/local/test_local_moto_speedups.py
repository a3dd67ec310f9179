"""moto_patches speed-ups of the local stack: an item is measured once (the 400 KB limit still holds),
values are built and measured as moto's own DynamoType does, item requests without binary values skip
moto's shape walk (binary values still round-trip), plain answers are written by json.dumps (botocore
parses them exactly as moto's own), BatchWriteItem's duplicate check compares keys, and moto's lists of
modules and methods are read once."""

from __future__ import annotations

import inspect
import os
from typing import Any
from unittest.mock import patch

import boto3
import moto.backends as moto_backends
import moto.core.responses as moto_core_responses
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import parse
from moto.core.responses import BaseResponse
from moto.core.serialize import JSONSerializer
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.responses import DynamoHandler

from trackhub_local.moto_patches import (
    MOTO_SIZE,
    direct_item_values,
    key_duplicate_check,
    linear_item_size_check,
    method_names_once,
    module_list_once,
    plain_json_item_requests,
    plain_json_item_responses,
    typed,
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


_VALUES: list[Any] = [
    {"S": "plain"},
    {"S": "ünïcödé ✓"},
    {"S": ""},
    {"N": "1.50"},
    {"N": "-12345678901234567890"},
    {"B": b"\x00\xff\x10"},
    {"B": "AAE="},
    {"BOOL": True},
    {"BOOL": False},
    {"NULL": True},
    {"SS": ["a", "bé", "c"]},
    {"NS": ["1", "2.5"]},
    {"BS": [b"\x01", b"\x02\x03"]},
    {"L": [{"S": "x"}, {"N": "2"}, {"L": [{"BOOL": True}]}, {"M": {"k": {"SS": ["y"]}}}]},
    {"M": {"name": {"S": "n"}, "é": {"M": {"deep": {"L": [{"NULL": True}, {"B": b"\x00"}]}}}}},
    {"M": {}},
    {"L": []},
]


def _plain(node: DynamoType) -> Any:
    """A DynamoType tree as plain data, members included, to compare two trees exactly."""
    value = node.value
    if node.type == "L":
        value = [_plain(member) for member in value]
    elif node.type == "M":
        value = {name: _plain(member) for name, member in value.items()}
    return (type(node).__name__, node.type, value)


@pytest.mark.parametrize("value", _VALUES, ids=lambda v: next(iter(v)))
def test_values_are_built_and_measured_as_moto_builds_and_measures_them(value: Any) -> None:
    # Given moto's own DynamoType of a request value, measured by moto's own size()
    direct_item_values()
    direct_item_values()  # idempotent
    expected = DynamoType(value)
    # When the patch builds and measures it
    built = typed(value)
    # Then the tree is the same, and the patched size() gives moto's own figure
    assert _plain(built) == _plain(expected)
    assert MOTO_SIZE(expected) == built.size() == expected.size()
    # And a value that is already a DynamoType, or not a one-key dict, goes to moto's constructor
    assert _plain(typed(expected)) == _plain(expected)


def test_an_item_is_refused_at_the_same_size_as_moto_refuses_it(ddb: Any) -> None:
    # Given items of non-ASCII text just under and just over moto's limit (names count too)
    unit = "é" * 1000  # 2,000 bytes in UTF-8
    under = {"PK": {"S": "u"}, **{f"a{i:03d}": {"S": unit} for i in range(202)}}
    over = {"PK": {"S": "o"}, **{f"a{i:03d}": {"S": unit} for i in range(203)}}
    # When both are put
    ddb.put_item(TableName="t", Item=under)
    with pytest.raises(ClientError, match="Item size has exceeded"):
        ddb.put_item(TableName="t", Item=over)
    # Then only the one under it is stored
    assert ddb.get_item(TableName="t", Key={"PK": {"S": "u"}})["Item"] == under
    assert "Item" not in ddb.get_item(TableName="t", Key={"PK": {"S": "o"}})


@pytest.fixture
def two_tables() -> Any:
    key_duplicate_check()
    key_duplicate_check()  # idempotent
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for name in ("a", "b"):
            client.create_table(
                TableName=name,
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
        yield client


def _put(pk: str, sk: str, **attributes: str) -> dict[str, Any]:
    item = {"PK": {"S": pk}, "SK": {"S": sk}, **{k: {"S": v} for k, v in attributes.items()}}
    return {"PutRequest": {"Item": item}}


def _value(client: Any, table: str, pk: str, sk: str) -> str | None:
    item = client.get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}}).get("Item")
    return None if item is None else str(item["v"]["S"])


def _delete(pk: str, sk: str) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": {"PK": {"S": pk}, "SK": {"S": sk}}}}


@pytest.mark.parametrize(
    "requests",
    [
        [_put("p", "s", v="1"), _put("p", "s", v="2")],  # one key, different attributes (moto let it pass)
        [_put("p", "s", v="1"), _put("p", "s", v="1")],
        [_put("p", "s"), _delete("p", "s")],
        [_delete("p", "s"), _delete("p", "s")],
    ],
    ids=["two-puts-different-items", "two-equal-puts", "put-and-delete", "two-deletes"],
)
def test_a_batch_naming_one_key_twice_is_refused_and_writes_nothing(two_tables: Any, requests: Any) -> None:
    # Given a stored item under the key the batch names twice
    two_tables.put_item(TableName="a", Item={"PK": {"S": "p"}, "SK": {"S": "s"}, "v": {"S": "old"}})
    # When the batch is sent with another put beside
    with pytest.raises(ClientError) as refused:
        two_tables.batch_write_item(RequestItems={"a": [*requests, _put("q", "s")]})
    # Then DynamoDB's validation error, and the table is as it was
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "Provided list of item keys contains duplicates" in refused.value.response["Error"]["Message"]
    assert two_tables.get_item(TableName="a", Key={"PK": {"S": "p"}, "SK": {"S": "s"}})["Item"]["v"] == {
        "S": "old"
    }
    assert "Item" not in two_tables.get_item(TableName="a", Key={"PK": {"S": "q"}, "SK": {"S": "s"}})


def test_one_key_in_two_tables_and_distinct_keys_are_written(two_tables: Any) -> None:
    # When a batch puts one key in each of two tables and two keys differing only in the sort key
    two_tables.batch_write_item(
        RequestItems={"a": [_put("p", "s", v="a"), _put("p", "t", v="a2")], "b": [_put("p", "s", v="b")]}
    )
    # Then all three are stored
    assert two_tables.get_item(TableName="a", Key={"PK": {"S": "p"}, "SK": {"S": "s"}})["Item"]["v"] == {
        "S": "a"
    }
    assert two_tables.get_item(TableName="a", Key={"PK": {"S": "p"}, "SK": {"S": "t"}})["Item"]["v"] == {
        "S": "a2"
    }
    assert two_tables.get_item(TableName="b", Key={"PK": {"S": "p"}, "SK": {"S": "s"}})["Item"]["v"] == {
        "S": "b"
    }


def test_moto_lists_a_response_class_methods_once(monkeypatch: pytest.MonkeyPatch) -> None:
    method_names_once()
    method_names_once()  # idempotent
    first = moto_core_responses.method_names_from_class(DynamoHandler)
    # When inspect can no longer list them, the names are still there

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("listed again")

    monkeypatch.setattr(inspect, "getmembers", refused)
    assert moto_core_responses.method_names_from_class(DynamoHandler) == first
    assert "batch_write_item" in first and "get_item" in first


def test_binary_keys_are_compared_too() -> None:
    key_duplicate_check()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="bin",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "B"}],
            BillingMode="PAY_PER_REQUEST",
        )
        # Given two binary keys: distinct ones are written, one key twice is refused
        one, other = {"PK": {"B": b"\x00\x01"}}, {"PK": {"B": b"\x00\x02"}}
        client.batch_write_item(
            RequestItems={"bin": [{"PutRequest": {"Item": one}}, {"PutRequest": {"Item": other}}]}
        )
        with pytest.raises(ClientError, match="contains duplicates"):
            client.batch_write_item(
                RequestItems={"bin": [{"PutRequest": {"Item": one}}, {"DeleteRequest": {"Key": one}}]}
            )
        assert client.scan(TableName="bin")["Count"] == 2
