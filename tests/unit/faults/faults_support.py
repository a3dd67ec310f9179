"""What the fault tests share: the provisioned stack they run against, admin calls, a new launch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from hubtest.apigw import api_event
from hubtest.functions import Reply, invoke
from hubtest.receiver import Receiver
from injector import Injector

REGION = "us-east-1"
JWT_SECRET = "fault-test-secret-of-at-least-32-characters"


@dataclass(frozen=True)
class Stack:
    auth: str  # a key of `acme` with every scope
    account_id: str
    program_id: str  # ACME-LMS: events are published here and a webhook subscribes to it
    web_token: str
    tracking_code: str
    webhook_id: str  # subscription on ACME-LMS, POST to the receiver
    receiver: Receiver
    tables: dict[str, str]
    queue_url: str
    dlq_url: str
    injector: Injector

    def call(self, function: str, method: str, path: str, **kwargs: Any) -> Reply:
        headers = {"Authorization": self.auth, **kwargs.pop("headers", {})}
        return invoke(function, api_event(method, path, headers=headers, **kwargs))


def admin(function: str, method: str, path: str, resource: str, body: Any = None, **params: str) -> Reply:
    """An /admin route (AWS_IAM is API Gateway's job, so the function sees no credentials)."""
    return invoke(
        function, api_event(method, path, resource=resource, body=body, path_parameters=params or None)
    )


def launch(account: str) -> str:
    """A new pathway, user and launch (unique names: a module's tests share one account)."""
    suffix = uuid.uuid4().hex[:8]
    pathway = admin(
        "admin_create_pathway",
        "POST",
        f"/admin/accounts/{account}/pathways",
        "/admin/accounts/{accountId}/pathways",
        {"name": f"Onboarding {suffix}"},
        accountId=account,
    )
    assert pathway.status == 201, pathway.body
    pathway_id = pathway.json["ID"]
    activity = admin(
        "admin_create_activity",
        "POST",
        f"/admin/accounts/{account}/pathways/{pathway_id}/activities",
        "/admin/accounts/{accountId}/pathways/{pathwayId}/activities",
        {"ID": "course-42", "name": "Course 42", "url": "https://lms.example.com/course/42"},
        accountId=account,
        pathwayId=pathway_id,
    )
    assert activity.status == 201, activity.body
    user = admin(
        "admin_create_user",
        "POST",
        f"/admin/accounts/{account}/users",
        "/admin/accounts/{accountId}/users",
        {"email": f"ada-{suffix}@example.com", "firstname": "Ada", "lastname": "Lovelace"},
        accountId=account,
    )
    assert user.status == 201, user.body
    launched = admin(
        "admin_create_launch",
        "POST",
        f"/admin/accounts/{account}/launches",
        "/admin/accounts/{accountId}/launches",
        {"pathwayId": pathway_id, "activityId": "course-42", "userId": user.json["userId"]},
        accountId=account,
    )
    assert launched.status == 201, launched.body
    return str(launched.json["webToken"])
