"""Web tracking over HTTP through the local stack: the Falkor pull and push, their refusals, account
isolation, the events transitions publish into the hub's web-tracking program, the admin routes and CLI."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from hubtest.http import HttpReply, call
from hubtest.localhub import Hub

from trackhub_cli.main import main as admin_cli

pytestmark = pytest.mark.integration
ACCOUNT = "demo"


@dataclass(frozen=True)
class Launch:
    pathway_id: str
    pathway_name: str
    activity_id: str
    email: str
    web_token: str
    user_token: str


def admin(hub: Hub, path: str, body: Any = None) -> HttpReply:
    return call(
        "POST" if body is not None else "GET", f"{hub.url}/admin/accounts/{ACCOUNT}{path}", json_body=body
    )


def fresh_launch(hub: Hub, **launch: Any) -> Launch:
    """A pathway, activity, user and launch of their own, so that no two tests share state or events."""
    suffix = uuid.uuid4().hex[:8]
    pathway = admin(hub, "/pathways", {"name": f"Pathway {suffix}"})
    assert pathway.status == 201, pathway.text
    pathway_id = pathway.json["ID"]
    activity = admin(
        hub,
        f"/pathways/{pathway_id}/activities",
        {"ID": f"course-{suffix}", "name": "Course", "url": "https://lms.example.com/course?lang=en#top"},
    )
    assert activity.status == 201, activity.text
    user = admin(
        hub, "/users", {"email": f"learner-{suffix}@example.com", "firstname": "Ada", "lastname": "L"}
    )
    assert user.status == 201, user.text
    body = {
        "pathwayId": pathway_id,
        "activityId": f"course-{suffix}",
        "userId": user.json["userId"],
        **launch,
    }
    launched = admin(hub, "/launches", body)
    assert launched.status == 201, launched.text
    assert launched.json["launchUrl"].endswith(f"&webToken={launched.json['webToken']}#top")
    return Launch(
        pathway_id=pathway_id,
        pathway_name=f"Pathway {suffix}",
        activity_id=f"course-{suffix}",
        email=user.json["email"],
        web_token=launched.json["webToken"],
        user_token=launched.json["userToken"],
    )


def pull(hub: Hub, token: str, who: str = "apiKey", method: str = "POST") -> HttpReply:
    if method == "GET":
        return call("GET", f"{hub.url}/v1/webtracking/pull?webToken={token}", auth=hub.creds(who))
    return call("POST", f"{hub.url}/v1/webtracking/pull", json_body={"webToken": token}, auth=hub.creds(who))


def push(hub: Hub, body: dict[str, Any], who: str = "apiKey") -> HttpReply:
    return call("POST", f"{hub.url}/v1/webtracking/push", json_body=body, auth=hub.creds(who))


def state(hub: Hub, launch: Launch) -> dict[str, Any]:
    data = pull(hub, launch.web_token).json["data"]
    return {k: data[k] for k in ("progress", "complete", "message", "data")}


def event_types(hub: Hub, launch: Launch) -> list[str]:
    """The hub web-tracking program's feed for this learner, read by the demo subscriber."""
    program = hub.demo["hubPrograms"]["webtracking"]
    reply = call(
        "GET",
        f"{hub.url}/events?program={program}&participant={launch.email}",
        auth=hub.creds("subscriber"),
    )
    assert reply.status == 200, reply.text
    return [e["EventType"] for e in reply.json["events"]]


# ------------------------------------------------------------------ the demo launch
def test_both_pull_forms_answer_the_demo_launch(hub: Hub) -> None:
    demo = hub.demo
    assert demo["launchUrl"] == f"{demo['activity']['url']}&webToken={demo['webToken']}"
    for method in ("POST", "GET"):
        reply = pull(hub, demo["webToken"], method=method)
        assert reply.status == 200, reply.text
        body = reply.json
        assert body["status"] == "success" and {"hash", "response_time"} <= body.keys()
        data = body["data"]
        assert data["activity"] == {"name": demo["activity"]["name"], "ID": demo["activity"]["ID"]}
        assert data["pathway"] == demo["pathway"]
        assert data["user"]["userToken"] == demo["userToken"]
        assert data["user"]["email"] == demo["learner"]["email"]
        assert isinstance(data["progress"], float) and isinstance(data["message"], str)


def test_another_account_finds_none_of_the_demo_tokens(hub: Hub) -> None:
    demo = hub.demo
    before = pull(hub, demo["webToken"]).json["data"]
    by_user = {
        "userToken": demo["userToken"],
        "pathway": demo["pathway"]["ID"],
        "activity_ID": demo["activity"]["ID"],
    }
    # A valid webtracking key of the outsider account: not found, never written
    assert pull(hub, demo["webToken"], who="outsiderWebtracking").status == 404
    assert pull(hub, demo["webToken"], who="outsiderWebtracking", method="GET").status == 404
    assert push(hub, {"webToken": demo["webToken"], "progress": 99}, who="outsiderWebtracking").status == 404
    assert push(hub, {**by_user, "progress": 99}, who="outsiderWebtracking").status == 404
    # The outsider's event-store key has no webtracking scope at all; no credentials is a 401
    assert pull(hub, demo["webToken"], who="outsider").status == 403
    missing = call("POST", f"{hub.url}/v1/webtracking/pull", json_body={"webToken": demo["webToken"]})
    assert missing.status == 401 and missing.json["status"] == "error" and missing.header("WWW-Authenticate")
    assert pull(hub, demo["webToken"]).json["data"] == before


# ------------------------------------------------------------------ push, both forms, and events
def test_push_both_forms_with_one_event_per_transition(hub: Hub) -> None:
    launch = fresh_launch(hub)
    by_user = {"userToken": launch.user_token, "activity_ID": launch.activity_id}
    # webToken form: first progress starts the activity; the same push re-sent emits nothing more
    for _ in range(2):
        reply = push(hub, {"webToken": launch.web_token, "progress": 40, "data": '{"score": 3}'})
        assert reply.status == 200 and reply.json["data"] == {"pushed": True, "progress": 40.0, "complete": 0}
    # userToken form with the pathway's name in another case: completes; re-sent, nothing more
    for _ in range(2):
        reply = push(hub, {**by_user, "pathway": launch.pathway_name.upper(), "complete": 1})
        assert reply.status == 200 and reply.json["data"] == {"pushed": True, "progress": 40.0, "complete": 1}
    # userToken form with the pathway's ID: re-opens
    assert (
        push(hub, {**by_user, "pathway": launch.pathway_id, "complete": 0, "message": "again"}).status == 200
    )
    assert state(hub, launch) == {"progress": 40.0, "complete": 0, "message": "again", "data": {"score": 3}}
    assert event_types(hub, launch) == ["AI_STARTED", "AI_COMP_SUCCESS", "AI_REOPENED"]


BAD: list[tuple[dict[str, Any], int, str]] = [
    ({"message": "m" * 49}, 400, "message"),
    ({"progress": -1}, 400, "progress"),
    ({"progress": 100.5}, 400, "progress"),
    ({"progress": "text"}, 400, "progress"),
    ({"complete": 2}, 400, "complete"),
    ({"data": "{not json"}, 400, "data"),
]


def test_every_refusal_names_the_field_and_changes_nothing(hub: Hub) -> None:
    launch = fresh_launch(hub)
    assert push(hub, {"webToken": launch.web_token, "progress": 10, "message": "kept"}).status == 200
    before, events = state(hub, launch), event_types(hub, launch)
    by_user = {
        "userToken": launch.user_token,
        "pathway": launch.pathway_id,
        "activity_ID": launch.activity_id,
    }
    cases = [({"webToken": launch.web_token, **fields}, status, name) for fields, status, name in BAD]
    cases += [({**by_user, **fields}, status, name) for fields, status, name in BAD]
    cases += [
        ({"webToken": "no-such-token-0123456789abcdefghij", "progress": 5}, 404, "webToken"),
        ({**by_user, "activity_ID": "no-such-activity", "progress": 5}, 404, "activity_ID"),
    ]
    for body, status, name in cases:
        reply = push(hub, body)
        assert reply.status == status, (body, reply.text)
        assert reply.json["status"] == "error" and name in reply.json["message"], (body, reply.text)
    assert state(hub, launch) == before and event_types(hub, launch) == events


def test_an_ambiguous_pathway_name_is_409(hub: Hub) -> None:
    launch = fresh_launch(hub)
    assert admin(hub, "/pathways", {"name": launch.pathway_name.lower()}).status == 201
    body = {"userToken": launch.user_token, "activity_ID": launch.activity_id, "progress": 5}
    reply = push(hub, {**body, "pathway": launch.pathway_name})
    assert reply.status == 409 and reply.json["message"].startswith("pathway:")
    assert event_types(hub, launch) == []
    assert push(hub, {**body, "pathway": launch.pathway_id}).status == 200


def test_an_expired_webtoken_is_404(hub: Hub) -> None:
    launch = fresh_launch(hub, ttlSeconds=1)
    assert pull(hub, launch.web_token).status == 200
    time.sleep(2.1)  # expiresAt is rounded up to a whole second
    expired = pull(hub, launch.web_token)
    assert expired.status == 404 and expired.json == {
        "status": "error",
        "message": "webToken: unknown or expired webToken",
    }
    assert push(hub, {"webToken": launch.web_token, "progress": 5}).status == 404
    assert event_types(hub, launch) == []


# ------------------------------------------------------------------ admin routes and the CLI
def test_admin_lists_and_the_cli_commands(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    demo = hub.demo
    pathways = admin(hub, "/pathways").json["pathways"]
    assert {"ID": demo["pathway"]["ID"], "name": demo["pathway"]["name"]} in [
        {"ID": p["ID"], "name": p["name"]} for p in pathways
    ]
    activities = admin(hub, f"/pathways/{demo['pathway']['ID']}/activities").json["activities"]
    assert [(a["ID"], a["url"]) for a in activities] == [(demo["activity"]["ID"], demo["activity"]["url"])]
    assert demo["learner"]["email"] in [u["email"] for u in admin(hub, "/users").json["users"]]

    def cli(*argv: str) -> Any:
        assert admin_cli(["--endpoint", hub.url, *argv]) == 0
        return json.loads(capsys.readouterr().out)

    suffix = uuid.uuid4().hex[:6]
    pathway = cli("pathways", "create", "--account", ACCOUNT, "--name", f"CLI {suffix}")
    url = "https://lms.example.com/cli"
    account, on_pathway = ("--account", ACCOUNT), ("--pathway", pathway["ID"])
    cli("activities", "create", *account, *on_pathway, "--id", "cli-1", "--name", "CLI", "--url", url)
    user = cli("users", "create", *account, "--email", f"cli-{suffix}@example.com", "--firstname", "Cli")
    launched = cli(
        "launches", "create", *account, *on_pathway, "--activity", "cli-1", "--email", user["email"]
    )
    assert launched["launchUrl"] == f"{url}?webToken={launched['webToken']}"
    assert launched["userToken"] == user["userToken"]
    assert pathway["ID"] in [p["ID"] for p in cli("pathways", "list", *account)["pathways"]]
    assert [a["ID"] for a in cli("activities", "list", *account, *on_pathway)["activities"]] == ["cli-1"]
    assert user["userId"] in [u["userId"] for u in cli("users", "list", *account)["users"]]
    # The launch works for the platform
    assert pull(hub, launched["webToken"]).json["data"]["user"]["email"] == user["email"]
