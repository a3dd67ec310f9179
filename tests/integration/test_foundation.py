"""Issue "foundation", done-when, over HTTP: the run command, the CLI against the stack, edge answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hubtest.http import call
from hubtest.localhub import Hub

from trackhub_cli.main import main as admin_cli

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_the_run_command_serves_health_and_openapi_writes_the_demo_file_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    # Given `make run`'s entry point on a free port
    demo_file = tmp_path / "demo.json"
    env = {
        **os.environ,
        "HUB_PORT": "0",
        "HUB_DEMO_FILE": str(demo_file),
        "HUB_LOG_FILE": str(tmp_path / "fn.log"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "trackhub_local.main"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not demo_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert demo_file.exists(), "the demo file was never written"
        time.sleep(0.2)  # the file is written once, whole; give the banner a moment
        demo = json.loads(demo_file.read_text())
        # Then the demo file has every documented key, with working credentials
        assert {"baseUrl", "apiKey", "publisher", "subscriber", "outsider", "hubPrograms"} <= demo.keys()
        assert oct(demo_file.stat().st_mode & 0o777) == "0o600"
        base = demo["baseUrl"]
        assert call("GET", f"{base}/health").status == 200
        assert call("GET", f"{base}/openapi.json").json["paths"]
        assert "swagger" in call("GET", f"{base}/swagger").text.lower()
        me = call("GET", f"{base}/v1/whoami", auth=(demo["apiKey"]["userId"], demo["apiKey"]["apiKey"]))
        assert me.status == 200 and me.json["accountId"] == "demo"
        # And every curl line the banner prints works as printed
        for line in demo["examples"]:
            status = subprocess.run(  # noqa: S603 - the banner's own lines, on loopback
                ["bash", "-c", f"{line} -o /dev/null -w '%{{http_code}}' --max-time 20"],  # noqa: S607
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            ).stdout
            assert status.startswith("2"), (line, status)
    finally:
        # When it gets SIGTERM, it stops cleanly
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output[-2000:]
    assert "curl" in output and "ready" in output


def _cli(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> dict[str, object]:
    assert admin_cli(["--endpoint", url, *args]) == 0
    out = capsys.readouterr().out
    return json.loads(out) if out.strip() else {}


def test_the_cli_provisions_a_tenant_whose_key_works_until_revoked(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    url = hub.url
    # Given an account, a program, a key and a subscription made with the CLI
    account = _cli(capsys, url, "accounts", "create", "--name", "CLI Academy", "--id", "cliacad")
    assert account["hubPrograms"] == {"webtracking": "cliacad-webtracking", "collector": "cliacad-collector"}
    _cli(
        capsys, url, "programs", "create", "--account", "cliacad", "--id", "CLI-PROG", "--name", "CLI program"
    )
    key = _cli(
        capsys,
        url,
        "keys",
        "create",
        "--account",
        "cliacad",
        "--scope",
        "events:publish:CLI-PROG",
        "--scope",
        "events:read:CLI-PROG",
    )
    sub = _cli(
        capsys,
        url,
        "subscriptions",
        "create",
        "--program",
        "CLI-PROG",
        "--publisher",
        hub.demo["publisher"]["programId"],
    )
    assert sub["subscriberAccountId"] == "cliacad"
    # Then the new key works, over HTTP, and reads what the subscription allows
    creds = (str(key["userId"]), str(key["apiKey"]))
    assert call("GET", f"{url}/v1/whoami", auth=creds).json["scopes"] == [
        "events:publish:CLI-PROG",
        "events:read:CLI-PROG",
    ]
    feed = call("GET", f"{url}/events?program={hub.demo['publisher']['programId']}", auth=creds)
    assert feed.status == 200
    # When the key is revoked with the CLI, it gets 401
    _cli(capsys, url, "keys", "revoke", "--account", "cliacad", str(key["userId"]))
    revoked = call("GET", f"{url}/v1/whoami", auth=creds)
    assert revoked.status == 401 and revoked.header("WWW-Authenticate")
    listed = _cli(capsys, url, "keys", "list", "--account", "cliacad")
    assert [k["status"] for k in listed["keys"]] == ["revoked"]  # type: ignore[index]
    assert str(key["apiKey"]) not in json.dumps(listed)


def test_unknown_routes_are_404_json(hub: Hub) -> None:
    for method, path in [
        ("GET", "/nope"),
        ("POST", "/health"),
        ("DELETE", "/v1/whoami"),
        ("GET", "/events/a/b/c"),
    ]:
        reply = call(method, f"{hub.url}{path}")
        assert reply.status == 404, (method, path)
        assert reply.json["message"] == "Not found"


BODY_ROUTES = [
    ("POST", "/admin/accounts"),
    ("POST", "/admin/subscriptions"),
    ("POST", "/events"),
    ("POST", "/api/events"),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_malformed_json_is_400_and_oversize_is_413_on_every_body_endpoint(
    hub: Hub, method: str, path: str
) -> None:
    auth = hub.creds("publisher")
    bad = call(
        method, f"{hub.url}{path}", data='{"oops": ', headers={"Content-Type": "application/json"}, auth=auth
    )
    assert bad.status == 400 and "Malformed JSON" in bad.json["message"]
    huge = call(method, f"{hub.url}{path}", data='{"a":"' + "x" * 1_100_000 + '"}', auth=auth)
    assert huge.status == 413 and huge.json["code"] == "payload_too_large"


def test_health_reports_every_table_and_no_secret(hub: Hub) -> None:
    reply = call("GET", f"{hub.url}/health")
    assert reply.status == 200 and reply.header("Cache-Control") == "no-store"
    dependencies = reply.json["dependencies"]
    tables = {"events", "tenancy", "webtracking", "webhooks", "collector", "statements", "xapi_documents"}
    assert reply.json["status"] == "ok" and dependencies.keys() == tables
    assert set(dependencies.values()) == {"ok"}
    assert "trackhub-local" not in reply.text  # no physical table names
