"""What the template gives web tracking: the table's TTL, each function's tables, health's probe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hubtest.apigw import api_event
from hubtest.functions import invoke

from trackhub_local.template import load_yaml

ROOT = Path(__file__).resolve().parents[3]
RESOURCES: dict[str, Any] = load_yaml(ROOT / "template.yaml")["Resources"]


def _policies(function: str) -> list[tuple[str, str]]:
    policies = RESOURCES[function]["Properties"]["Policies"]
    return sorted((kind, body["TableName"]["Ref"]) for p in policies for kind, body in p.items())


def test_the_table_expires_webtokens_with_ttl_on_expires_at() -> None:
    props = RESOURCES["WebTrackingTable"]["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert [i["IndexName"] for i in props["GlobalSecondaryIndexes"]] == ["GSI1"]


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            "WebTrackingPullFunction",
            [("DynamoDBReadPolicy", "TenancyTable"), ("DynamoDBReadPolicy", "WebTrackingTable")],
        ),
        (
            "WebTrackingPushFunction",
            [
                ("DynamoDBCrudPolicy", "EventsTable"),
                ("DynamoDBCrudPolicy", "WebTrackingTable"),
                ("DynamoDBReadPolicy", "TenancyTable"),
            ],
        ),
        (
            "AdminCreateLaunchFunction",
            [("DynamoDBCrudPolicy", "WebTrackingTable"), ("DynamoDBReadPolicy", "TenancyTable")],
        ),
        (
            "AdminListUsersFunction",
            [("DynamoDBReadPolicy", "TenancyTable"), ("DynamoDBReadPolicy", "WebTrackingTable")],
        ),
    ],
)
def test_each_function_gets_only_the_tables_it_uses(function: str, expected: list[tuple[str, str]]) -> None:
    assert _policies(function) == expected


def test_pull_answers_post_and_get_and_the_token_lifetime_is_a_parameter() -> None:
    events = RESOURCES["WebTrackingPullFunction"]["Properties"]["Events"].values()
    assert sorted(e["Properties"]["Method"] for e in events) == ["get", "post"]
    env = RESOURCES["AdminCreateLaunchFunction"]["Properties"]["Environment"]["Variables"]
    assert env["WEBTOKEN_TTL_SECONDS"] == {"Ref": "WebTokenTtlSeconds"}


@pytest.mark.usefixtures("hub_tables")
def test_health_probes_the_web_tracking_table() -> None:
    reply = invoke("health", api_event("GET", "/health"))
    assert reply.status == 200 and reply.json["dependencies"]["webtracking"] == "ok"
