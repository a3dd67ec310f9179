"""resources.py: tables and queues created from the template's own Properties (under mock_aws)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from trackhub_local.resources import create_queues, create_tables, queue_attributes, table_request
from trackhub_local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "local_stack" / "template.yaml"


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")


def _key_schema(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(entry["AttributeName"], entry["KeyType"]) for entry in entries]


def test_project_tables_have_the_template_key_schema_and_indexes(aws: tuple[Any, Any]) -> None:
    dynamodb, _ = aws
    template = load_template(ROOT / "template.yaml")
    names = create_tables(dynamodb, template)
    assert set(names) == set(template.tables)
    for logical_id, spec in template.tables.items():
        table = dynamodb.describe_table(TableName=names[logical_id])["Table"]
        assert _key_schema(table["KeySchema"]) == _key_schema(spec.properties["KeySchema"])
        declared = {(a["AttributeName"], a["AttributeType"]) for a in spec.properties["AttributeDefinitions"]}
        assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == declared
        expected_gsis = {i["IndexName"]: i for i in spec.properties.get("GlobalSecondaryIndexes", [])}
        actual_gsis = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        assert set(actual_gsis) == set(expected_gsis)
        for name, index in expected_gsis.items():
            assert _key_schema(actual_gsis[name]["KeySchema"]) == _key_schema(index["KeySchema"])
            assert actual_gsis[name]["Projection"]["ProjectionType"] == index["Projection"]["ProjectionType"]
        expected_lsis = {i["IndexName"] for i in spec.properties.get("LocalSecondaryIndexes", [])}
        assert {i["IndexName"] for i in table.get("LocalSecondaryIndexes", [])} == expected_lsis
        if "StreamSpecification" in spec.properties:
            assert (
                table["StreamSpecification"]["StreamViewType"]
                == spec.properties["StreamSpecification"]["StreamViewType"]
            )
            assert table["LatestStreamArn"]


def test_fixture_table_lsi_ttl_and_stream(aws: tuple[Any, Any]) -> None:
    dynamodb, _ = aws
    names = create_tables(dynamodb, load_template(FIXTURE))
    results = dynamodb.describe_table(TableName=names["ResultsTable"])["Table"]
    assert [i["IndexName"] for i in results["LocalSecondaryIndexes"]] == ["LSI1"]
    assert results["GlobalSecondaryIndexes"][0]["Projection"]["ProjectionType"] == "KEYS_ONLY"
    ttl = dynamodb.describe_time_to_live(TableName=names["ResultsTable"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
    source = dynamodb.describe_table(TableName=names["SourceTable"])["Table"]
    assert source["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_table_request_translates_cloudformation_spellings() -> None:
    request = table_request(
        "t",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True},
            "StreamSpecification": {"StreamViewType": "KEYS_ONLY"},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "G",
                    "KeySchema": [],
                    "Projection": {"ProjectionType": "ALL"},
                    "ContributorInsightsSpecification": {"Enabled": True},
                }
            ],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    assert request["SSESpecification"] == {"Enabled": True}
    assert request["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert "ContributorInsightsSpecification" not in request["GlobalSecondaryIndexes"][0]
    assert "PointInTimeRecoverySpecification" not in request  # not a CreateTable parameter


def test_queues_are_created_dead_letter_queue_first_with_redrive(aws: tuple[Any, Any]) -> None:
    _, sqs = aws
    template = load_template(FIXTURE)
    urls = create_queues(sqs, template)
    assert set(urls) == {"WorkQueue", "WorkDLQ"}
    attributes = sqs.get_queue_attributes(QueueUrl=urls["WorkQueue"], AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["MessageRetentionPeriod"] == "3600"
    redrive = json.loads(attributes["RedrivePolicy"])
    dlq_arn = sqs.get_queue_attributes(QueueUrl=urls["WorkDLQ"], AttributeNames=["QueueArn"])["Attributes"]
    assert redrive["deadLetterTargetArn"] == dlq_arn["QueueArn"] == template.queue_arn("WorkDLQ")
    assert int(redrive["maxReceiveCount"]) == 2


def test_queue_attributes_are_strings() -> None:
    attributes = queue_attributes(
        {"FifoQueue": True, "VisibilityTimeout": 30, "RedrivePolicy": {"maxReceiveCount": 3}, "Tags": []}
    )
    assert attributes == {
        "FifoQueue": "true",
        "VisibilityTimeout": "30",
        "RedrivePolicy": '{"maxReceiveCount":3}',
    }
