"""Helpers for the web tracking unit tests: a provisioned account, calls as API Gateway makes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke

from trackhub.tenancy import service as tenancy

REGION = "us-east-1"
ACTIVITY_URL = "https://lms.example.com/course/42?lang=en"


@dataclass(frozen=True)
class Launched:
    pathway_id: str
    pathway_name: str
    activity_id: str
    user_id: str
    email: str
    web_token: str
    user_token: str
    launch_url: str


@dataclass(frozen=True)
class World:
    platform: str  # Authorization of acme's key with the webtracking scope
    no_scope: str  # acme key without it
    outsider: str  # another account's key with the webtracking scope
    demo: Launched  # a launch in acme


def _key(account: str, scopes: list[str]) -> str:
    key, secret = tenancy.create_key(account, scopes, "test")
    return basic(key.user_id, secret)


def admin(function: str, method: str, path: str, resource: str, body: Any = None, **params: str) -> Reply:
    event = api_event(method, path, resource=resource, body=body, path_parameters=params or None)
    return invoke(function, event)


def create_pathway(account: str, name: str, pathway_id: str | None = None) -> Reply:
    body = {"name": name} | ({"ID": pathway_id} if pathway_id else {})
    return admin(
        "admin_create_pathway",
        "POST",
        f"/admin/accounts/{account}/pathways",
        "/admin/accounts/{accountId}/pathways",
        body,
        accountId=account,
    )


def create_activity(account: str, pathway_id: str, activity_id: str, url: str = ACTIVITY_URL) -> Reply:
    return admin(
        "admin_create_activity",
        "POST",
        f"/admin/accounts/{account}/pathways/{pathway_id}/activities",
        "/admin/accounts/{accountId}/pathways/{pathwayId}/activities",
        {"ID": activity_id, "name": f"Activity {activity_id}", "url": url},
        accountId=account,
        pathwayId=pathway_id,
    )


def create_user(account: str, email: str) -> Reply:
    return admin(
        "admin_create_user",
        "POST",
        f"/admin/accounts/{account}/users",
        "/admin/accounts/{accountId}/users",
        {"email": email, "firstname": "Test", "lastname": "User"},
        accountId=account,
    )


def create_launch(account: str, **body: Any) -> Reply:
    return admin(
        "admin_create_launch",
        "POST",
        f"/admin/accounts/{account}/launches",
        "/admin/accounts/{accountId}/launches",
        body,
        accountId=account,
    )


def launch_new(account: str, pathway_name: str, activity_id: str = "course-42", **launch: Any) -> Launched:
    pathway = create_pathway(account, pathway_name)
    assert pathway.status == 201, pathway.body
    pathway_id = pathway.json["ID"]
    assert create_activity(account, pathway_id, activity_id).status == 201
    user = create_user(account, f"{pathway_id.lower()}@example.com").json
    launched = create_launch(
        account, pathwayId=pathway_id, activityId=activity_id, userId=user["userId"], **launch
    )
    assert launched.status == 201, launched.body
    return Launched(
        pathway_id=pathway_id,
        pathway_name=pathway_name,
        activity_id=activity_id,
        user_id=user["userId"],
        email=user["email"],
        web_token=launched.json["webToken"],
        user_token=launched.json["userToken"],
        launch_url=launched.json["launchUrl"],
    )


def provision() -> World:
    tenancy.create_account("Acme", "acme")
    tenancy.create_account("Outsider", "outacct")
    return World(
        platform=_key("acme", ["webtracking"]),
        no_scope=_key("acme", ["collector"]),
        outsider=_key("outacct", ["webtracking"]),
        demo=launch_new("acme", "Onboarding"),
    )


# ------------------------------------------------------------------ the Falkor endpoints
def pull(auth: str | None, web_token: str, *, method: str = "POST") -> Reply:
    headers = {"Authorization": auth} if auth else {}
    if method == "GET":
        event = api_event("GET", "/v1/webtracking/pull", query={"webToken": web_token}, headers=headers)
    else:
        event = api_event("POST", "/v1/webtracking/pull", body={"webToken": web_token}, headers=headers)
    return invoke("webtracking_pull", event)


def push(auth: str | None, body: Any = None, *, raw: str | None = None) -> Reply:
    headers = {"Authorization": auth} if auth else {}
    event = api_event("POST", "/v1/webtracking/push", body=body, raw_body=raw, headers=headers)
    return invoke("webtracking_push", event)


# ------------------------------------------------------------------ reading the tables back (tests may Scan)
def _scan(table: str) -> list[dict[str, Any]]:
    return list(
        boto3.resource("dynamodb", region_name=REGION).Table(table).scan(ConsistentRead=True)["Items"]
    )


def progress_items(tables: dict[str, str]) -> list[dict[str, Any]]:
    return sorted(
        (i for i in _scan(tables["WebTrackingTable"]) if str(i["SK"]).startswith("PROGRESS#")),
        key=lambda i: (i["PK"], i["SK"]),
    )


def hub_events(tables: dict[str, str], program: str = "acme-webtracking") -> list[dict[str, Any]]:
    items = [
        i for i in _scan(tables["EventsTable"]) if i["SK"] == "EVENT" and i["PublisherProgramId"] == program
    ]
    for item in items:
        item["PublisherEventData"] = json.loads(item["PublisherEventData"])
    return sorted(items, key=lambda i: int(i["FeedSeq"]))
