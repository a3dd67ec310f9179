"""Demo data for a freshly started local stack, provisioned through its admin API (unsigned).

Not idempotent: it expects an empty stack (the local stack keeps its data in memory, so every
start is one) and fails with AdminApiError (409) if the demo data already exists.

The result is the demo file (.local/demo.json) that tests, examples and `trackhub-admin` read.
Each step below adds one part of it; a later feature adds a step to STEPS:

    def _pathways_key(client: AdminClient, demo: Demo) -> None:
        demo["pathways"] = _key(client, DEMO_ACCOUNT, ["pathways"], "demo: pathways")
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

import jwt

from trackhub.auth.scopes import EVERY_NON_ADMIN_SCOPE, EventRight, program_scope
from trackhub_cli.client import AdminClient

Demo = dict[str, Any]
Step = Callable[[AdminClient, Demo], None]

DEMO_ACCOUNT = "demo"
DEMO_ACCOUNT_NAME = "Demo Learning Platform"
PUBLISHER = "DEMO-PUB"
SUBSCRIBER = "DEMO-SUB"
OUTSIDER_ACCOUNT = "outsider"
OUTSIDER_ACCOUNT_NAME = "Outsider Academy"
OUTSIDER_PROGRAM = "OUT-PROG"


def _key(client: AdminClient, account_id: str, scopes: Sequence[str], description: str) -> dict[str, str]:
    created = client.create_key(account_id, scopes, description)
    return {"userId": created["userId"], "apiKey": created["apiKey"]}


def _publish_and_read(program_id: str) -> list[str]:
    return [program_scope(EventRight.PUBLISH, program_id), program_scope(EventRight.READ, program_id)]


# ------------------------------------------------------------------ steps, in order
def _demo_account(client: AdminClient, demo: Demo) -> None:
    account = client.create_account(DEMO_ACCOUNT_NAME, account_id=DEMO_ACCOUNT)
    demo["accountId"] = account["accountId"]
    hub = account["hubPrograms"]
    demo["hubPrograms"] = {"webtracking": hub["webtracking"], "collector": hub["collector"]}


def _demo_key(client: AdminClient, demo: Demo) -> None:
    """A key with every non-admin scope: every part of the hub, every program of the demo account."""
    demo["apiKey"] = _key(client, DEMO_ACCOUNT, EVERY_NON_ADMIN_SCOPE, "demo: every non-admin scope")


def _publisher(client: AdminClient, demo: Demo) -> None:
    client.create_program(DEMO_ACCOUNT, PUBLISHER, "Demo publisher")
    key = _key(client, DEMO_ACCOUNT, _publish_and_read(PUBLISHER), f"demo: {PUBLISHER}")
    demo["publisher"] = {"programId": PUBLISHER, **key}


def _subscriber(client: AdminClient, demo: Demo) -> None:
    """A read-only program that reads the publisher and both hub programs of its account."""
    client.create_program(DEMO_ACCOUNT, SUBSCRIBER, "Demo subscriber")
    key = _key(client, DEMO_ACCOUNT, [program_scope(EventRight.READ, SUBSCRIBER)], f"demo: {SUBSCRIBER}")
    hub = demo["hubPrograms"]
    for publisher in (PUBLISHER, hub["webtracking"], hub["collector"]):
        client.create_subscription(SUBSCRIBER, publisher)
    demo["subscriber"] = {"programId": SUBSCRIBER, **key}


def _outsider(client: AdminClient, demo: Demo) -> None:
    """Another tenant with no subscription, for tests that one account cannot see another's data."""
    account = client.create_account(OUTSIDER_ACCOUNT_NAME, account_id=OUTSIDER_ACCOUNT)
    client.create_program(OUTSIDER_ACCOUNT, OUTSIDER_PROGRAM, "Outsider program")
    key = _key(client, OUTSIDER_ACCOUNT, _publish_and_read(OUTSIDER_PROGRAM), f"outsider: {OUTSIDER_PROGRAM}")
    demo["outsider"] = {"programId": OUTSIDER_PROGRAM, **key, "accountId": account["accountId"]}


DEMO_PATHWAY = {"ID": "PW-DEMO-0001", "name": "Demo Pathway"}
DEMO_ACTIVITY = {
    "ID": "course-42",
    "name": "Intro course",
    "url": "https://lms.example.com/course/42?lang=en",
}
DEMO_LEARNER = {"email": "learner@example.com", "firstname": "Demo", "lastname": "Learner"}


def _web_tracking(client: AdminClient, demo: Demo) -> None:
    """A pathway with one web activity, a learner launched on it, and an outsider platform key."""
    pathway = client.create_pathway(DEMO_ACCOUNT, DEMO_PATHWAY["name"], DEMO_PATHWAY["ID"])
    spec = DEMO_ACTIVITY
    activity = client.create_activity(DEMO_ACCOUNT, pathway["ID"], spec["ID"], spec["name"], spec["url"])
    user = client.create_user(DEMO_ACCOUNT, **DEMO_LEARNER)
    launched = client.create_launch(DEMO_ACCOUNT, pathway["ID"], activity["ID"], user_id=user["userId"])
    demo["pathway"] = {"ID": pathway["ID"], "name": pathway["name"]}
    demo["activity"] = {"ID": activity["ID"], "name": activity["name"], "url": activity["url"]}
    demo["learner"] = {"userId": user["userId"], "email": user["email"]}
    demo["launchUrl"] = launched["launchUrl"]
    demo["webToken"] = launched["webToken"]
    demo["userToken"] = launched["userToken"]
    # The outsider's own platform key: another account's valid webtracking key finds none of demo's tokens.
    demo["outsiderWebtracking"] = _key(client, OUTSIDER_ACCOUNT, ["webtracking"], "outsider: web tracking")


DEMO_JWT_USER = "demo-player"
DEMO_JWT_TTL_SECONDS = 30 * 24 * 3600  # long enough for a dev session


def _collector(client: AdminClient, demo: Demo) -> None:
    """An open and a closed tracking code, HS256 JWT settings, and a Bearer token for a demo player.

    The HS256 secret exists only in the parameter store (and here, to sign the demo token).
    """
    secret = secrets.token_urlsafe(48)
    client.put_jwt_settings(DEMO_ACCOUNT, {"algorithm": "HS256", "secret": secret})
    demo["trackingCode"] = client.create_tracking_code(DEMO_ACCOUNT, "Demo game")["trackingCode"]
    closed = client.create_tracking_code(DEMO_ACCOUNT, "Demo game (closed)", open=False)
    demo["closedTrackingCode"] = closed["trackingCode"]
    now = int(time.time())
    claims = {"sub": DEMO_JWT_USER, "iat": now, "exp": now + DEMO_JWT_TTL_SECONDS}
    demo["jwt"] = jwt.encode(claims, secret, algorithm="HS256")
    demo["jwtUser"] = DEMO_JWT_USER


def _examples(client: AdminClient, demo: Demo) -> None:
    """Working curl lines for the banner of `make run`, built from what the steps above created."""
    base = demo["baseUrl"]

    def user(who: Demo) -> str:
        return f"{who['userId']}:{who['apiKey']}"

    event = {
        "PublisherProgramId": PUBLISHER,
        "PublisherEventId": "AI:1234",
        "EventType": "AI_COMP_SUCCESS",
        "PublisherParticipantId": "joebob@example.com",
        "PublisherEventData": {"score": 90},
        "EventStartUtc": "2026-01-15T10:00:00Z",
    }
    examples = [
        f"curl -s -i -u {user(demo['publisher'])} -d '{json.dumps(event)}' {base}/events",
        f"curl -s -u {user(demo['subscriber'])} '{base}/events?program={PUBLISHER}'",
    ]
    if "webToken" in demo:
        token = json.dumps({"webToken": demo["webToken"]})
        push = json.dumps({"webToken": demo["webToken"], "progress": 50, "message": "Halfway there"})
        examples += [
            f"curl -s -u {user(demo['apiKey'])} -d '{token}' {base}/v1/webtracking/pull",
            f"curl -s -u {user(demo['apiKey'])} -d '{push}' {base}/v1/webtracking/push",
        ]
    if "trackingCode" in demo:
        examples.append(f"curl -s -X POST {base}/api/proxy/gleaner/collector/start/{demo['trackingCode']}")
    demo["examples"] = examples


STEPS: tuple[Step, ...] = (
    _demo_account,
    _demo_key,
    _publisher,
    _subscriber,
    _outsider,
    _web_tracking,
    _collector,
    _examples,
)


def seed_demo(base_url: str, *, steps: Sequence[Step] = STEPS, timeout: float = 10.0) -> Demo:
    """Provision the demo tenants on a fresh stack at `base_url`; return the demo-file dict."""
    client = AdminClient(base_url, sign=False, timeout=timeout)
    demo: Demo = {"baseUrl": base_url}
    for step in steps:
        step(client, demo)
    return demo
