"""filters.py: the FilterCriteria patterns Lambda applies to stream and queue records."""

from __future__ import annotations

import json

from trackhub_local.filters import matches, matches_any, sqs_filter_view

RECORD = {
    "eventName": "INSERT",
    "dynamodb": {
        "Keys": {"PK": {"S": "EVENT#1"}},
        "NewImage": {"PK": {"S": "EVENT#1"}, "kind": {"S": "webhook"}, "size": {"N": "42"}},
    },
}


def test_value_lists_and_nesting() -> None:
    assert matches({"eventName": ["INSERT", "MODIFY"]}, RECORD)
    assert not matches({"eventName": ["REMOVE"]}, RECORD)
    assert matches({"dynamodb": {"NewImage": {"kind": {"S": ["webhook"]}}}}, RECORD)
    assert not matches({"dynamodb": {"NewImage": {"kind": {"S": ["other"]}}}}, RECORD)
    assert not matches({"dynamodb": {"OldImage": {"kind": {"S": ["webhook"]}}}}, RECORD)


def test_operators() -> None:
    assert matches({"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "EVENT#"}]}}}}, RECORD)
    assert matches({"dynamodb": {"Keys": {"PK": {"S": [{"suffix": "#1"}]}}}}, RECORD)
    assert matches({"eventName": [{"anything-but": ["REMOVE"]}]}, RECORD)
    assert not matches({"eventName": [{"anything-but": "INSERT"}]}, RECORD)
    assert matches({"eventName": [{"equals-ignore-case": "insert"}]}, RECORD)
    assert matches({"dynamodb": {"NewImage": {"size": {"N": [{"numeric": [">", 10, "<=", 42]}]}}}}, RECORD)
    assert not matches({"dynamodb": {"NewImage": {"size": {"N": [{"numeric": [">", 42]}]}}}}, RECORD)
    assert matches({"dynamodb": {"OldImage": [{"exists": False}]}}, RECORD)
    assert matches({"dynamodb": {"NewImage": [{"exists": True}]}}, RECORD)
    assert matches({"eventName": [{"wildcard": "INS*"}]}, RECORD)


def test_filters_are_ored_and_no_filters_match_everything() -> None:
    assert matches_any([], RECORD)
    assert matches_any([{"eventName": ["REMOVE"]}, {"eventName": ["INSERT"]}], RECORD)
    assert not matches_any([{"eventName": ["REMOVE"]}], RECORD)


def test_sqs_patterns_see_a_json_body() -> None:
    record = {"body": json.dumps({"type": "order", "amount": 5}), "attributes": {}}
    assert matches({"body": {"type": ["order"], "amount": [5]}}, sqs_filter_view(record))
    assert not matches({"body": {"type": ["refund"]}}, sqs_filter_view(record))
    plain = {"body": "not json"}
    assert matches({"body": ["not json"]}, sqs_filter_view(plain))
