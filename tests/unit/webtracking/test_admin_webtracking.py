"""Admin routes for web tracking: pathways, activities, users, launches (SigV4 in the cloud)."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from wt_support import (
    World,
    admin,
    create_activity,
    create_launch,
    create_pathway,
    create_user,
    pull,
)

from trackhub.tenancy import service as tenancy


@pytest.fixture
def acme(hub_tables: dict[str, str]) -> str:
    tenancy.create_account("Acme", "acme")
    return "acme"


def test_pathways_get_a_generated_id_or_keep_theirs_and_are_listed(acme: str) -> None:
    generated = create_pathway(acme, "Onboarding")
    assert generated.status == 201 and re.fullmatch(r"PW-[A-Z0-9]{4}-[A-Z0-9]{4}", generated.json["ID"])
    chosen = create_pathway(acme, "Sales", "FAPW-GWRG-02HU")
    assert chosen.status == 201 and chosen.json["ID"] == "FAPW-GWRG-02HU"
    duplicate = create_pathway(acme, "Again", "FAPW-GWRG-02HU")
    assert duplicate.status == 409
    listed = admin(
        "admin_list_pathways",
        "GET",
        "/admin/accounts/acme/pathways",
        "/admin/accounts/{accountId}/pathways",
        accountId=acme,
    ).json["pathways"]
    assert sorted((p["ID"], p["name"]) for p in listed) == sorted(
        [(generated.json["ID"], "Onboarding"), ("FAPW-GWRG-02HU", "Sales")]
    )


def test_a_pathway_id_with_forbidden_characters_is_400(acme: str) -> None:
    reply = create_pathway(acme, "Bad", "has#hash")
    assert reply.status == 400 and "ID" in reply.json["message"]


def test_pathways_of_an_unknown_account_are_404(hub_tables: dict[str, str]) -> None:
    assert create_pathway("nobody", "X").status == 404


def test_activities_need_an_http_url_and_an_existing_pathway(acme: str) -> None:
    create_pathway(acme, "P", "PW-1")
    assert create_activity(acme, "PW-1", "course-42").status == 201
    assert create_activity(acme, "PW-1", "course-42").status == 409
    for url in ("ftp://lms.example.com/x", "javascript:alert(1)", "/relative", "https://"):
        reply = create_activity(acme, "PW-1", "other", url=url)
        assert reply.status == 400 and "url" in reply.json["message"], url
    missing = create_activity(acme, "PW-404", "course-42")
    assert missing.status == 404 and "PW-404" in missing.json["message"]
    listed = admin(
        "admin_list_activities",
        "GET",
        "/admin/accounts/acme/pathways/PW-1/activities",
        "/admin/accounts/{accountId}/pathways/{pathwayId}/activities",
        accountId=acme,
        pathwayId="PW-1",
    )
    assert [(a["ID"], a["url"]) for a in listed.json["activities"]] == [
        ("course-42", "https://lms.example.com/course/42?lang=en")
    ]


def test_users_have_a_unique_email_and_a_stable_user_token(acme: str) -> None:
    first = create_user(acme, "Learner@Example.com")
    assert first.status == 201 and len(first.json["userToken"]) >= 32
    assert re.fullmatch(r"US-[A-Z0-9]{4}-[A-Z0-9]{4}", first.json["userId"])
    assert create_user(acme, "learner@example.com").status == 409  # emails compare ignoring case
    assert create_user(acme, "not-an-email").status == 400
    listed = admin(
        "admin_list_users",
        "GET",
        "/admin/accounts/acme/users",
        "/admin/accounts/{accountId}/users",
        accountId=acme,
    ).json["users"]
    assert [(u["userId"], u["userToken"]) for u in listed] == [
        (first.json["userId"], first.json["userToken"])
    ]


def test_a_launch_appends_the_webtoken_and_works_by_user_id_or_email(acme: str) -> None:
    create_pathway(acme, "P", "PW-1")
    create_activity(acme, "PW-1", "course-42", url="https://lms.example.com/course/42?lang=en#top")
    user = create_user(acme, "learner@example.com").json
    by_id = create_launch(acme, pathwayId="PW-1", activityId="course-42", userId=user["userId"])
    by_email = create_launch(acme, pathwayId="PW-1", activityId="course-42", email="LEARNER@example.com")
    for reply in (by_id, by_email):
        assert reply.status == 201, reply.body
        launched = reply.json
        token = urllib.parse.quote(launched["webToken"], safe="")
        assert launched["launchUrl"] == f"https://lms.example.com/course/42?lang=en&webToken={token}#top"
        assert launched["userToken"] == user["userToken"]
    # Each launch is its own webToken, the userToken is the user's
    assert by_id.json["webToken"] != by_email.json["webToken"]


def test_a_launch_of_something_unknown_is_404_and_an_incomplete_one_400(acme: str) -> None:
    create_pathway(acme, "P", "PW-1")
    create_activity(acme, "PW-1", "course-42")
    user = create_user(acme, "learner@example.com").json["userId"]
    assert create_launch(acme, pathwayId="PW-2", activityId="course-42", userId=user).status == 404
    assert create_launch(acme, pathwayId="PW-1", activityId="nope", userId=user).status == 404
    assert create_launch(acme, pathwayId="PW-1", activityId="course-42", userId="US-AAAA-AAAA").status == 404
    assert create_launch(acme, pathwayId="PW-1", activityId="course-42", email="x@example.com").status == 404
    assert create_launch(acme, pathwayId="PW-1", activityId="course-42").status == 400
    assert (
        create_launch(acme, pathwayId="PW-1", activityId="course-42", userId=user, ttlSeconds=0).status == 400
    )


def test_a_launch_token_expires_after_ttl_seconds(world: World, advance_clock: object) -> None:
    assert callable(advance_clock)
    demo = world.demo
    short = create_launch(
        "acme", pathwayId=demo.pathway_id, activityId=demo.activity_id, userId=demo.user_id, ttlSeconds=60
    ).json
    assert pull(world.platform, short["webToken"]).status == 200
    advance_clock(61)
    assert pull(world.platform, short["webToken"]).status == 404
    assert pull(world.platform, demo.web_token).status == 200  # the 7-day one still works
