"""seed_demo against an in-memory fake of the admin API: the calls it makes and the demo file it returns."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cli_fakes import FakeAdmin, FakeServer

from trackhub_cli.client import AdminApiError, AdminClient
from trackhub_cli.seed import STEPS, seed_demo

EVERY_NON_ADMIN_SCOPE = ["events:publish:*", "events:read:*", "webtracking", "collector", "webhooks"]
DEMO_ACTIVITY = {
    "ID": "course-42",
    "name": "Intro course",
    "url": "https://lms.example.com/course/42?lang=en",
}


class _Hs256Settings:
    """Equal to JWT settings with an HS256 secret the seed made up (random, so not known here)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and other.get("algorithm") == "HS256" and len(other["secret"]) >= 32


COLLECTOR_CALLS = [
    ("PUT", "/admin/accounts/demo/jwt-settings", _Hs256Settings()),
    (
        "POST",
        "/admin/accounts/demo/tracking-codes",
        {"name": "Demo game", "open": True, "allowAnonymous": True},
    ),
    (
        "POST",
        "/admin/accounts/demo/tracking-codes",
        {"name": "Demo game (closed)", "open": False, "allowAnonymous": True},
    ),
]
WEB_TRACKING_CALLS = [
    ("POST", "/admin/accounts/demo/pathways", {"name": "Demo Pathway", "ID": "PW-DEMO-0001"}),
    ("POST", "/admin/accounts/demo/pathways/PW-DEMO-0001/activities", DEMO_ACTIVITY),
    (
        "POST",
        "/admin/accounts/demo/users",
        {"email": "learner@example.com", "firstname": "Demo", "lastname": "Learner"},
    ),
    (
        "POST",
        "/admin/accounts/demo/launches",
        {"pathwayId": "PW-DEMO-0001", "activityId": "course-42", "userId": "US-LEARNER"},
    ),
    (
        "POST",
        "/admin/accounts/outsider/keys",
        {"scopes": ["webtracking"], "description": "outsider: web tracking"},
    ),
]


@pytest.fixture
def admin(server: FakeServer) -> FakeAdmin:
    fake = FakeAdmin()
    server.responder = fake
    return fake


def test_seed_makes_the_demo_tenants_in_order(server: FakeServer, admin: FakeAdmin) -> None:
    seed_demo(server.url)
    assert server.calls == [
        ("POST", "/admin/accounts", {"name": "Demo Learning Platform", "accountId": "demo"}),
        (
            "POST",
            "/admin/accounts/demo/keys",
            {"scopes": EVERY_NON_ADMIN_SCOPE, "description": "demo: every non-admin scope"},
        ),
        ("POST", "/admin/accounts/demo/programs", {"programId": "DEMO-PUB", "name": "Demo publisher"}),
        (
            "POST",
            "/admin/accounts/demo/keys",
            {"scopes": ["events:publish:DEMO-PUB", "events:read:DEMO-PUB"], "description": "demo: DEMO-PUB"},
        ),
        ("POST", "/admin/accounts/demo/programs", {"programId": "DEMO-SUB", "name": "Demo subscriber"}),
        (
            "POST",
            "/admin/accounts/demo/keys",
            {"scopes": ["events:read:DEMO-SUB"], "description": "demo: DEMO-SUB"},
        ),
        ("POST", "/admin/subscriptions", {"programId": "DEMO-SUB", "publisherProgramId": "DEMO-PUB"}),
        ("POST", "/admin/subscriptions", {"programId": "DEMO-SUB", "publisherProgramId": "demo-webtracking"}),
        ("POST", "/admin/subscriptions", {"programId": "DEMO-SUB", "publisherProgramId": "demo-collector"}),
        ("POST", "/admin/accounts", {"name": "Outsider Academy", "accountId": "outsider"}),
        ("POST", "/admin/accounts/outsider/programs", {"programId": "OUT-PROG", "name": "Outsider program"}),
        (
            "POST",
            "/admin/accounts/outsider/keys",
            {
                "scopes": ["events:publish:OUT-PROG", "events:read:OUT-PROG"],
                "description": "outsider: OUT-PROG",
            },
        ),
        *WEB_TRACKING_CALLS,
        *COLLECTOR_CALLS,
    ]
    # The outsider reads nothing of the demo account, and the demo subscriber reads only its own account.
    assert admin.subscriptions == [
        ("DEMO-SUB", "DEMO-PUB"),
        ("DEMO-SUB", "demo-webtracking"),
        ("DEMO-SUB", "demo-collector"),
    ]


def test_seed_returns_the_demo_file(server: FakeServer, admin: FakeAdmin) -> None:
    demo = seed_demo(server.url)

    def key_of(account: str, scopes: list[str]) -> dict[str, str]:
        (key,) = [k for k in admin.keys.values() if k["accountId"] == account and k["scopes"] == scopes]
        return {"userId": key["userId"], "apiKey": key["apiKey"]}

    def code_named(name: str) -> str:
        (code,) = [c for c, v in admin.tracking_codes.items() if v["name"] == name]
        return code

    examples = demo.pop("examples")
    assert len(examples) == 5 and all(line.startswith("curl -s") for line in examples)
    assert demo == {
        "baseUrl": server.url,
        "accountId": "demo",
        "apiKey": key_of("demo", EVERY_NON_ADMIN_SCOPE),
        "publisher": {
            "programId": "DEMO-PUB",
            **key_of("demo", ["events:publish:DEMO-PUB", "events:read:DEMO-PUB"]),
        },
        "subscriber": {"programId": "DEMO-SUB", **key_of("demo", ["events:read:DEMO-SUB"])},
        "outsider": {
            "programId": "OUT-PROG",
            **key_of("outsider", ["events:publish:OUT-PROG", "events:read:OUT-PROG"]),
            "accountId": "outsider",
        },
        "hubPrograms": {"webtracking": "demo-webtracking", "collector": "demo-collector"},
        "pathway": {"ID": "PW-DEMO-0001", "name": "Demo Pathway"},
        "activity": DEMO_ACTIVITY,
        "learner": {"userId": "US-LEARNER", "email": "learner@example.com"},
        "launchUrl": "https://lms.example.com/course/42?lang=en&webToken=webtoken-for-US-LEARNER",
        "webToken": "webtoken-for-US-LEARNER",
        "userToken": "usertoken-of-US-LEARNER",
        "outsiderWebtracking": key_of("outsider", ["webtracking"]),
        "trackingCode": code_named("Demo game"),
        "closedTrackingCode": code_named("Demo game (closed)"),
        "jwt": demo["jwt"],  # checked below against the secret the hub was given
        "jwtUser": "demo-player",
    }
    claims = jwt.decode(demo["jwt"], admin.jwt_settings["demo"]["secret"], algorithms=["HS256"])
    assert claims["sub"] == "demo-player" and claims["exp"] - claims["iat"] >= 7 * 24 * 3600
    # Four distinct keys, each a secret the fake issued once
    assert len({demo[k]["apiKey"] for k in ("apiKey", "publisher", "subscriber", "outsider")}) == 4


def test_seed_takes_the_hub_program_ids_from_the_server(server: FakeServer, admin: FakeAdmin) -> None:
    # Given a server that names hub programs its own way
    def renamed(request: Any) -> Any:
        reply = admin(request)
        if request.route == "/admin/accounts" and reply.status == 201:
            account = reply.body["accountId"]
            reply.body["hubPrograms"] = {"webtracking": f"WT-{account}", "collector": f"COL-{account}"}
            admin.programs[f"WT-{account}"] = admin.programs[f"COL-{account}"] = {"accountId": account}
        return reply

    server.responder = renamed
    demo = seed_demo(server.url)
    assert demo["hubPrograms"] == {"webtracking": "WT-demo", "collector": "COL-demo"}
    assert ("DEMO-SUB", "WT-demo") in admin.subscriptions and ("DEMO-SUB", "COL-demo") in admin.subscriptions


def test_seed_is_unsigned_even_with_aws_credentials_around(
    server: FakeServer, admin: FakeAdmin, aws_credentials: None
) -> None:
    seed_demo(server.url)
    assert server.requests and all("authorization" not in r.headers for r in server.requests)


def test_seed_on_a_stack_that_already_has_the_demo_fails_loudly(server: FakeServer, admin: FakeAdmin) -> None:
    seed_demo(server.url)
    with pytest.raises(AdminApiError) as caught:
        seed_demo(server.url)
    assert caught.value.status == 409


def test_a_later_step_extends_the_demo_file(server: FakeServer, admin: FakeAdmin) -> None:
    def extra_key(client: AdminClient, demo: dict[str, Any]) -> None:
        created = client.create_key(demo["accountId"], ["webhooks"], "demo: extra")
        demo["extra"] = {"userId": created["userId"], "apiKey": created["apiKey"]}

    demo = seed_demo(server.url, steps=(*STEPS, extra_key))
    assert demo["extra"]["userId"].startswith("tk_")
    assert server.last.json == {"scopes": ["webhooks"], "description": "demo: extra"}
