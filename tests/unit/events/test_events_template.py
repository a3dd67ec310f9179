"""The event store's part of template.yaml: table shape, routes, least privilege, and GET /health."""

from __future__ import annotations

from typing import Any

import pytest
from events_support import ROOT, Hub, World
from hubtest.apigw import api_event
from hubtest.functions import invoke

from trackhub_local.template import load_yaml

RESOURCES: dict[str, Any] = load_yaml(ROOT / "template.yaml")["Resources"]

# function -> (routes, writes the events table)
FUNCTIONS = {
    "EventsPublishFunction": ({("/events", "post"), ("/api/events", "post")}, True),
    "EventsGetFunction": ({("/events/{eventId}", "get")}, False),
    "EventsDeleteFunction": ({("/events/{eventId}", "delete"), ("/api/events/{id}", "delete")}, True),
    "EventsFeedFunction": ({("/events", "get")}, False),
    "EventsProgramFeedFunction": ({("/api/events/{id}", "get")}, False),
}


def test_the_events_table_has_the_stream_index_and_protections_the_design_needs() -> None:
    table = RESOURCES["EventsTable"]
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["PK", "SK"]
    (index,) = props["LocalSecondaryIndexes"]
    assert index["IndexName"] == "ByCreated"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["PK", "CreatedSK"]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert "GlobalSecondaryIndexes" not in props


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_route_has_its_own_function_with_least_privilege(name: str) -> None:
    routes, writes = FUNCTIONS[name]
    props = RESOURCES[name]["Properties"]
    assert props["CodeUri"].startswith("functions/events_")
    assert (ROOT / props["CodeUri"] / "app.py").is_file()
    api_events = [e["Properties"] for e in props["Events"].values() if e["Type"] == "Api"]
    assert {(e["Path"], e["Method"]) for e in api_events} == routes
    assert all(e["RestApiId"] == {"Ref": "HubApi"} for e in api_events)
    assert set(props["Environment"]["Variables"]) == {"TENANCY_TABLE_NAME", "EVENTS_TABLE_NAME"}
    policies = [
        (kind, spec["TableName"]["Ref"]) for policy in props["Policies"] for kind, spec in policy.items()
    ]
    expected_events_policy = "DynamoDBCrudPolicy" if writes else "DynamoDBReadPolicy"
    assert sorted(policies) == sorted(
        [("DynamoDBReadPolicy", "TenancyTable"), (expected_events_policy, "EventsTable")]
    )


def test_health_watches_the_events_table() -> None:
    props = RESOURCES["HealthFunction"]["Properties"]
    assert props["Environment"]["Variables"]["EVENTS_TABLE_NAME"] == {"Ref": "EventsTable"}
    (statement,) = props["Policies"][0]["Statement"]
    assert statement["Action"] == "dynamodb:DescribeTable"
    assert {"Fn::GetAtt": ["EventsTable", "Arn"]} in statement["Resource"]


def test_get_health_reports_the_events_table(hub: Hub, world: World) -> None:
    reply = invoke("health", api_event("GET", "/health"))
    assert reply.status == 200, reply.body
    assert reply.json["dependencies"] == {"events": "ok", "tenancy": "ok"}


def test_get_health_is_503_when_the_events_table_is_unreachable(
    hub: Hub, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTS_TABLE_NAME", "no-such-table")
    reply = invoke("health", api_event("GET", "/health"))
    assert reply.status == 503, reply.body
    assert reply.json["dependencies"]["events"] == "unreachable"
