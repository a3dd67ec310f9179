"""`trackhub-admin tracking-codes …` and `jwt-settings …`: the request each sends; secrets from files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import FakeServer

from trackhub_cli.main import main

Run = Callable[..., tuple[int, str, str]]
CODES = "/admin/accounts/acme/tracking-codes"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize(
    ("argv", "method", "path", "body"),
    [
        (
            ["tracking-codes", "create", "--account", "acme", "--name", "Game"],
            "POST",
            CODES,
            {"name": "Game", "open": True, "allowAnonymous": True},
        ),
        (
            [
                "tracking-codes",
                "create",
                "--account",
                "acme",
                "--name",
                "Class",
                "--code",
                "class-1",
                "--closed",
                "--no-anonymous",
                "--participant",
                "alice",
                "--participant",
                "bob",
            ],
            "POST",
            CODES,
            {
                "name": "Class",
                "open": False,
                "allowAnonymous": False,
                "trackingCode": "class-1",
                "participants": ["alice", "bob"],
            },
        ),
        (["tracking-codes", "list", "--account", "acme"], "GET", CODES, None),
        (
            ["tracking-codes", "update", "--account", "acme", "g1", "--open", "false"],
            "PATCH",
            f"{CODES}/g1",
            {"open": False},
        ),
        (
            [
                "tracking-codes",
                "update",
                "--account",
                "acme",
                "g1",
                "--any-participant",
                "--allow-anonymous",
                "true",
            ],
            "PATCH",
            f"{CODES}/g1",
            {"allowAnonymous": True, "anyParticipant": True},
        ),
        (
            [
                "jwt-settings",
                "put",
                "--account",
                "acme",
                "--algorithm",
                "RS256",
                "--jwks-url",
                "https://id.example.com/jwks",
            ],
            "PUT",
            "/admin/accounts/acme/jwt-settings",
            {"algorithm": "RS256", "jwksUrl": "https://id.example.com/jwks"},
        ),
        (["jwt-settings", "get", "--account", "acme"], "GET", "/admin/accounts/acme/jwt-settings", None),
    ],
)
def test_each_collector_command_sends_its_request(
    server: FakeServer, run: Run, argv: list[str], method: str, path: str, body: Any
) -> None:
    server.respond(200, {"ok": True})
    code, out, _ = run("--endpoint", server.url, *argv)
    assert code == 0 and json.loads(out) == {"ok": True}
    assert (server.last.method, server.last.path, server.last.json) == (method, path, body)


def test_the_hs256_secret_is_read_from_a_file_not_a_flag(
    server: FakeServer, run: Run, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s" * 40 + "\n")
    server.respond(200, {"accountId": "acme", "algorithm": "HS256", "hasSecret": True})
    argv = ["jwt-settings", "put", "--account", "acme", "--algorithm", "HS256", "--secret-file", str(secret)]
    code, _, _ = run("--endpoint", server.url, *argv, "--issuer", "https://login.example.com/")
    assert code == 0
    assert server.last.json == {
        "algorithm": "HS256",
        "secret": "s" * 40,
        "issuer": "https://login.example.com/",
    }
