"""`trackhub-admin` end to end against a recording server on 127.0.0.1: requests, output, exit codes."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import FakeServer

from trackhub_cli.client import basic_auth_header
from trackhub_cli.main import main, resolve_endpoint

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """main(argv) -> (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


# ------------------------------------------------------------------ one command, one request
COMMANDS: list[tuple[list[str], str, str, Any]] = [
    (["accounts", "create", "--name", "Acme"], "POST", "/admin/accounts", {"name": "Acme"}),
    (
        ["accounts", "create", "--name", "Acme", "--id", "acme"],
        "POST",
        "/admin/accounts",
        {"name": "Acme", "accountId": "acme"},
    ),
    (["accounts", "list"], "GET", "/admin/accounts", None),
    (["accounts", "revoke", "acme"], "DELETE", "/admin/accounts/acme", None),
    (
        ["keys", "create", "--account", "acme", "--scope", "events:read:SUB", "--scope", "webhooks"],
        "POST",
        "/admin/accounts/acme/keys",
        {"scopes": ["events:read:SUB", "webhooks"], "description": ""},
    ),
    (
        ["keys", "create", "--account", "acme", "--scope", "collector", "--description", "CI runner"],
        "POST",
        "/admin/accounts/acme/keys",
        {"scopes": ["collector"], "description": "CI runner"},
    ),
    (["keys", "list", "--account", "acme"], "GET", "/admin/accounts/acme/keys", None),
    (
        ["keys", "revoke", "--account", "acme", "tk_0123456789abcdef"],
        "DELETE",
        "/admin/accounts/acme/keys/tk_0123456789abcdef",
        None,
    ),
    (
        ["programs", "create", "--account", "acme", "--id", "PUB", "--name", "Publisher"],
        "POST",
        "/admin/accounts/acme/programs",
        {"programId": "PUB", "name": "Publisher"},
    ),
    (["programs", "list", "--account", "acme"], "GET", "/admin/accounts/acme/programs", None),
    (["programs", "revoke", "--account", "acme", "PUB"], "DELETE", "/admin/accounts/acme/programs/PUB", None),
    (
        ["subscriptions", "create", "--program", "SUB", "--publisher", "PUB"],
        "POST",
        "/admin/subscriptions",
        {"programId": "SUB", "publisherProgramId": "PUB"},
    ),
    (["subscriptions", "list", "--program", "SUB"], "GET", "/admin/subscriptions?programId=SUB", None),
]


@pytest.mark.parametrize(
    ("argv", "method", "path", "body"),
    COMMANDS,
    ids=[" ".join(c[0][:2]) + f"-{i}" for i, c in enumerate(COMMANDS)],
)
def test_each_command_sends_its_request_and_prints_the_json(
    server: FakeServer, run: Run, argv: list[str], method: str, path: str, body: Any
) -> None:
    # Given a server answering with a JSON object
    answer = {"accountId": "acme", "name": "Acmé"}
    server.respond(200, answer)
    # When the command runs against it
    code, out, _ = run("--endpoint", server.url + "/v1", *argv)
    # Then it sent the request and printed the answer as indented JSON
    assert code == 0
    assert (server.last.method, server.last.path, server.last.json) == (method, "/v1" + path, body)
    assert json.loads(out) == answer
    assert out.startswith("{\n  ") and "Acmé" in out


def test_keys_create_warns_on_stderr_that_the_secret_is_shown_once(server: FakeServer, run: Run) -> None:
    server.respond(201, {"userId": "tk_1", "apiKey": "s3cret"})
    code, out, err = run(
        "--endpoint", server.url, "keys", "create", "--account", "acme", "--scope", "webhooks"
    )
    assert code == 0
    assert json.loads(out)["apiKey"] == "s3cret"
    assert len(err.strip().splitlines()) == 1 and "shown only once" in err


def test_subscriptions_revoke_prints_nothing_to_stdout_on_204(server: FakeServer, run: Run) -> None:
    server.respond(204)
    code, out, err = run(
        "--endpoint", server.url, "subscriptions", "revoke", "--program", "SUB", "--publisher", "PUB"
    )
    assert (code, out) == (0, "")
    assert (server.last.method, server.last.path) == ("DELETE", "/admin/subscriptions/SUB/PUB")
    assert "SUB no longer reads PUB" in err


def test_global_options_may_follow_the_command(server: FakeServer, run: Run) -> None:
    code, _, _ = run("accounts", "list", "--endpoint", server.url, "--timeout", "5")
    assert code == 0 and server.last.path == "/admin/accounts"


def test_an_option_after_the_command_does_not_reset_one_before_it(
    make_server: Callable[[], FakeServer], run: Run
) -> None:
    before, after = make_server(), make_server()
    assert run("--endpoint", before.url, "accounts", "list")[0] == 0
    assert run("--endpoint", before.url, "accounts", "list", "--endpoint", after.url)[0] == 0
    assert len(before.requests) == 1 and len(after.requests) == 1


# ------------------------------------------------------------------ exit codes
def test_api_error_exits_1_with_the_servers_message_on_stderr(server: FakeServer, run: Run) -> None:
    server.respond(404, {"message": "account 'nope' not found", "code": "not_found"})
    code, out, err = run("--endpoint", server.url, "keys", "list", "--account", "nope")
    assert (code, out) == (1, "")
    assert "HTTP 404: account 'nope' not found" in err


def test_unreachable_endpoint_exits_1(run: Run) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = run("--endpoint", f"http://127.0.0.1:{port}", "accounts", "list")
    assert (code, out) == (1, "")
    assert "cannot reach the API" in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["accounts"],
        ["accounts", "create"],  # --name is required
        ["keys", "create", "--account", "acme"],  # at least one --scope
        ["keys", "revoke", "--account", "acme"],  # USER_ID
        ["subscriptions", "create", "--program", "SUB"],
        ["pathways", "list"],
        ["accounts", "list", "--timeout", "soon"],
    ],
)
def test_usage_errors_exit_2_before_any_request(server: FakeServer, run: Run, argv: list[str]) -> None:
    code, out, err = run("--endpoint", server.url, *argv)
    assert (code, out) == (2, "")
    assert "usage:" in err
    assert server.requests == []


def test_help_exits_0(run: Run) -> None:
    code, out, _ = run("--help")
    assert code == 0 and "accounts" in out and "subscriptions" in out


def test_an_endpoint_that_is_not_http_exits_2(run: Run) -> None:
    code, _, err = run("--endpoint", "file:///etc/passwd", "accounts", "list")
    assert code == 2 and "http(s) URL" in err


def test_no_endpoint_exits_2_and_says_what_to_pass(run: Run) -> None:
    code, out, err = run("accounts", "list")
    assert (code, out) == (2, "")
    assert "--endpoint" in err and "TRACKHUB_ADMIN_URL" in err and "AdminApiUrl" in err


# ------------------------------------------------------------------ endpoint resolution
def _demo_file(path: Path, base_url: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"baseUrl": base_url, "accountId": "demo"}))
    return path


def test_endpoint_is_flag_then_env_then_demo_file(
    make_server: Callable[[], FakeServer], run: Run, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    flag, env, demo = make_server(), make_server(), make_server()
    monkeypatch.setenv("TRACKHUB_ADMIN_URL", env.url)
    _demo_file(isolated_env / ".local" / "demo.json", demo.url)  # the default path, relative to cwd

    assert run("--endpoint", flag.url, "accounts", "list")[0] == 0
    assert (len(flag.requests), len(env.requests), len(demo.requests)) == (1, 0, 0)

    assert run("accounts", "list")[0] == 0
    assert (len(flag.requests), len(env.requests), len(demo.requests)) == (1, 1, 0)

    monkeypatch.delenv("TRACKHUB_ADMIN_URL")
    assert run("accounts", "list")[0] == 0
    assert (len(flag.requests), len(env.requests), len(demo.requests)) == (1, 1, 1)


def test_hub_demo_file_names_another_demo_file(
    server: FakeServer, run: Run, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    monkeypatch.setenv("HUB_DEMO_FILE", str(_demo_file(isolated_env / "elsewhere" / "demo.json", server.url)))
    assert run("accounts", "list")[0] == 0
    assert len(server.requests) == 1


@pytest.mark.parametrize("content", ["not json", "[]", '{"accountId": "demo"}', '{"baseUrl": ""}'])
def test_a_demo_file_without_a_base_url_exits_2(run: Run, isolated_env: Path, content: str) -> None:
    (isolated_env / ".local").mkdir()
    (isolated_env / ".local" / "demo.json").write_text(content)
    code, _, err = run("accounts", "list")
    assert code == 2 and ".local/demo.json" in err


def test_resolve_endpoint_reads_the_given_environment(tmp_path: Path) -> None:
    demo = _demo_file(tmp_path / "demo.json", "http://127.0.0.1:3999")
    assert resolve_endpoint("http://flag", {"TRACKHUB_ADMIN_URL": "http://env"}) == "http://flag"
    assert resolve_endpoint(None, {"TRACKHUB_ADMIN_URL": "http://env"}) == "http://env"
    assert resolve_endpoint(None, {"HUB_DEMO_FILE": str(demo)}) == "http://127.0.0.1:3999"


# ------------------------------------------------------------------ signing
def test_loopback_endpoint_is_called_unsigned(server: FakeServer, run: Run, aws_credentials: None) -> None:
    assert run("--endpoint", server.url, "accounts", "list")[0] == 0
    assert "authorization" not in server.last.headers


def test_sign_flag_signs_with_the_given_region(server: FakeServer, run: Run, aws_credentials: None) -> None:
    assert run("--endpoint", server.url, "--sign", "--region", "eu-west-1", "accounts", "list")[0] == 0
    assert re.match(
        r"AWS4-HMAC-SHA256 Credential=testing/\d{8}/eu-west-1/execute-api/aws4_request, SignedHeaders=\S+, "
        r"Signature=[0-9a-f]{64}$",
        server.last.headers["authorization"],
    )
    assert "x-amz-date" in server.last.headers


def test_sign_without_credentials_exits_1_and_sends_nothing(server: FakeServer, run: Run) -> None:
    code, _, err = run("--endpoint", server.url, "--sign", "--region", "eu-west-1", "accounts", "list")
    assert code == 1 and "no AWS credentials" in err
    assert server.requests == []


# ------------------------------------------------------------------ whoami
def test_whoami_uses_the_key_from_flags_or_env_and_never_signs(
    server: FakeServer, run: Run, monkeypatch: pytest.MonkeyPatch, aws_credentials: None
) -> None:
    server.respond(200, {"userId": "tk_1", "accountId": "demo", "scopes": []})
    code, out, _ = run(
        "--endpoint",
        server.url,
        "--sign",
        "--region",
        "eu-west-1",
        "whoami",
        "--user-id",
        "tk_1",
        "--api-key",
        "k1",
    )
    assert code == 0 and json.loads(out)["accountId"] == "demo"
    assert (server.last.method, server.last.path) == ("GET", "/v1/whoami")
    assert server.last.headers["authorization"] == basic_auth_header("tk_1", "k1")

    monkeypatch.setenv("TRACKHUB_USER_ID", "tk_2")
    monkeypatch.setenv("TRACKHUB_API_KEY", "k2")
    assert run("--endpoint", server.url, "whoami")[0] == 0
    assert server.last.headers["authorization"] == basic_auth_header("tk_2", "k2")


def test_whoami_without_a_key_exits_2(server: FakeServer, run: Run) -> None:
    code, _, err = run("--endpoint", server.url, "whoami", "--user-id", "tk_1")
    assert code == 2 and "TRACKHUB_API_KEY" in err
    assert server.requests == []


def test_whoami_with_a_rejected_key_exits_1(server: FakeServer, run: Run) -> None:
    server.respond(401, {"message": "Invalid credentials", "code": "unauthenticated"})
    code, _, err = run("--endpoint", server.url, "whoami", "--user-id", "tk_1", "--api-key", "bad")
    assert code == 1 and "HTTP 401: Invalid credentials" in err
