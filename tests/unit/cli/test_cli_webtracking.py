"""`trackhub-admin` web tracking commands: pathways, activities, users, launches (one request each)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_fakes import FakeServer

from trackhub_cli.main import main

A = "/admin/accounts/acme"
COMMANDS: list[tuple[list[str], str, str, Any]] = [
    (
        ["pathways", "create", "--account", "acme", "--name", "Onboarding"],
        "POST",
        f"{A}/pathways",
        {"name": "Onboarding"},
    ),
    (
        ["pathways", "create", "--account", "acme", "--name", "Sales", "--id", "PW-1"],
        "POST",
        f"{A}/pathways",
        {"name": "Sales", "ID": "PW-1"},
    ),
    (["pathways", "list", "--account", "acme"], "GET", f"{A}/pathways", None),
    (
        [
            "activities",
            "create",
            "--account",
            "acme",
            "--pathway",
            "PW-1",
            "--id",
            "course-42",
            "--name",
            "Intro",
            "--url",
            "https://lms.example.com/c/42",
        ],
        "POST",
        f"{A}/pathways/PW-1/activities",
        {"ID": "course-42", "name": "Intro", "url": "https://lms.example.com/c/42"},
    ),
    (
        ["activities", "list", "--account", "acme", "--pathway", "PW-1"],
        "GET",
        f"{A}/pathways/PW-1/activities",
        None,
    ),
    (
        ["users", "create", "--account", "acme", "--email", "a@example.com", "--firstname", "Ada"],
        "POST",
        f"{A}/users",
        {"email": "a@example.com", "firstname": "Ada", "lastname": ""},
    ),
    (["users", "list", "--account", "acme"], "GET", f"{A}/users", None),
    (
        [
            "launches",
            "create",
            "--account",
            "acme",
            "--pathway",
            "PW-1",
            "--activity",
            "course-42",
            "--user-id",
            "US-AAAA-BBBB",
        ],
        "POST",
        f"{A}/launches",
        {"pathwayId": "PW-1", "activityId": "course-42", "userId": "US-AAAA-BBBB"},
    ),
    (
        [
            "launches",
            "create",
            "--account",
            "acme",
            "--pathway",
            "PW-1",
            "--activity",
            "course-42",
            "--email",
            "a@example.com",
            "--ttl-seconds",
            "60",
        ],
        "POST",
        f"{A}/launches",
        {"pathwayId": "PW-1", "activityId": "course-42", "email": "a@example.com", "ttlSeconds": 60},
    ),
]


@pytest.mark.parametrize(
    ("argv", "method", "path", "body"), COMMANDS, ids=[" ".join(c[0][:2]) for c in COMMANDS]
)
def test_each_web_tracking_command_sends_its_request_and_prints_the_json(
    server: FakeServer, capsys: pytest.CaptureFixture[str], argv: list[str], method: str, path: str, body: Any
) -> None:
    # Given an admin API that answers with some JSON
    answer = {"ok": True}
    server.respond(200, answer)
    # When the command runs
    code = main(["--endpoint", server.url, *argv])
    # Then exactly that request was sent, and the answer printed
    assert code == 0
    assert (server.last.method, server.last.path, server.last.json) == (method, path, body)
    assert json.loads(capsys.readouterr().out) == answer


def test_ttl_seconds_must_be_a_number(server: FakeServer) -> None:
    argv = [
        "launches",
        "create",
        "--account",
        "a",
        "--pathway",
        "P",
        "--activity",
        "X",
        "--ttl-seconds",
        "soon",
    ]
    assert main(["--endpoint", server.url, *argv]) == 2
    assert server.requests == []
