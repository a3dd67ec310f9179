"""The local stack over HTTP on 127.0.0.1, with the fixture template's tiny functions.

Proves what clients see of API Gateway (event fields, 404/413/502/504, CORS preflight, keep-alive) and
what functions see of Lambda (their own environment, warm reuse, concurrency in separate processes),
and that the stack - and `trackhub-local` - shut down cleanly.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackhub_local.stack import LocalStack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "local_stack"
FIXTURE = FIXTURE_DIR / "template.yaml"
CANARY = "TRACKHUB_LOCAL_LEAK_CANARY"


class Response:
    def __init__(self, raw: http.client.HTTPResponse) -> None:
        self.status = raw.status
        self.headers = raw.getheaders()
        self.body = raw.read()

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[-1] if values else None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
    connection: http.client.HTTPConnection | None = None,
) -> Response:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.putrequest(method, path)
    for name, value in headers or []:
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = Response(conn.getresponse())
    if connection is None:
        conn.close()
    return response


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    log_file = tmp_path_factory.mktemp("logs") / "functions.log"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CANARY, "must-not-reach-functions")
        local = LocalStack(FIXTURE, port=0, log_file=log_file, max_workers_per_function=4)
        local.start()
    try:
        local.wait_ready(timeout=30)
        yield local
    finally:
        local.stop()


def echo(stack: LocalStack, path: str, **kwargs: Any) -> tuple[Response, dict[str, Any]]:
    response = call(stack.port, kwargs.pop("method", "GET"), path, **kwargs)
    assert response.status < 500, response.body
    return response, response.json()


def test_event_is_what_api_gateway_sends(stack: LocalStack) -> None:
    response, body = echo(
        stack,
        "/echo/a%20b?tag=1&tag=2&empty=",
        headers=[("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "itest")],
    )
    event = body["event"]
    assert event["resource"] == "/echo/{id}"
    assert event["path"] == "/echo/a%20b"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "a b"}
    assert event["queryStringParameters"] == {"tag": "2", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["1", "2"], "empty": [""]}
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["headers"]["X-Multi"] == "two"
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "test"
    assert context["path"] == "/test/echo/a%20b"
    assert context["resourcePath"] == "/echo/{id}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "itest"
    assert context["identity"]["userArn"] is None
    assert context["requestId"] == response.header("x-amzn-RequestId")
    assert context["accountId"] == stack.template.account_id
    # The function's response: status, single and multi-value headers merged, body.
    assert response.status == 200
    assert response.all("Set-Cookie") == ["a=1", "b=2"]
    assert response.all("X-Echo") == ["single"]
    assert response.header("Content-Type") == "application/json"
    assert body["context"]["function_name"] == "trackhub-local-EchoFunction"
    assert body["context"]["memory_limit_in_mb"] == 256
    assert 0 < body["context"]["remaining_ms"] <= 5000


def test_no_query_no_path_parameters_are_null(stack: LocalStack) -> None:
    _, body = echo(stack, "/echo")
    event = body["event"]
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


def test_bodies_text_and_binary_both_ways(stack: LocalStack) -> None:
    _, text = echo(
        stack, "/echo", method="POST", body='{"é":1}'.encode(), headers=[("Content-Type", "application/json")]
    )
    assert text["event"]["body"] == '{"é":1}' and text["event"]["isBase64Encoded"] is False
    raw = bytes(range(256))
    _, binary = echo(stack, "/echo", method="POST", body=raw, headers=[("Content-Type", "application/json")])
    assert binary["event"]["isBase64Encoded"] is True
    response = call(stack.port, "GET", "/echo?binary=1")
    assert response.status == 200 and response.body == raw
    assert call(stack.port, "GET", "/echo?status=201").status == 201


def test_routing_precedence_and_iam_identity(stack: LocalStack) -> None:
    assert echo(stack, "/items/special")[1]["event"]["resource"] == "/items/special"
    _, greedy = echo(stack, "/items/x/y", method="DELETE")
    assert greedy["event"]["resource"] == "/items/{proxy+}"
    assert greedy["event"]["pathParameters"] == {"proxy": "x/y"}
    _, admin = echo(stack, "/admin/echo")
    assert (
        admin["event"]["requestContext"]["identity"]["userArn"]
        == "arn:aws:iam::000000000000:user/local-admin"
    )


def test_gateway_answers_404_and_413(stack: LocalStack) -> None:
    for method, path in (("GET", "/no/such/route"), ("POST", "/env"), ("GET", "/items")):
        response = call(stack.port, method, path)
        assert response.status == 404, (method, path)
        assert response.json() == {"message": "Not found", "code": "not_found"}
        assert response.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    too_large = call(stack.port, "POST", "/echo", body=b"x" * (10 * 1024 * 1024 + 1))
    assert too_large.status == 413
    assert too_large.json() == {"message": "Request body too large", "code": "payload_too_large"}


def test_function_errors_are_502_and_timeouts_504(stack: LocalStack) -> None:
    for path in ("/boom", "/malformed", "/crash", "/crash"):
        response = call(stack.port, "GET", path)
        assert response.status == 502, path
        assert response.json() == {"message": "Internal server error"}
    started = time.monotonic()
    slow = call(stack.port, "GET", "/slow?seconds=3")
    assert slow.status == 504
    assert slow.json() == {"message": "Endpoint request timed out"}
    assert time.monotonic() - started < 2.5  # the 1 s Timeout, not the 3 s sleep
    assert call(stack.port, "GET", "/slow?seconds=0").status == 200  # a fresh worker took over


def test_concurrent_calls_overlap_in_separate_processes(stack: LocalStack) -> None:
    results: list[dict[str, Any]] = []

    def slow() -> None:
        results.append(echo(stack, "/slow?seconds=0.6")[1])

    threads = [threading.Thread(target=slow) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert len(results) == 2
    first, second = sorted(results, key=lambda r: r["started"])
    assert second["started"] < first["finished"]  # they ran at the same time
    assert first["pid"] != second["pid"]


def test_warm_reuse_and_per_function_environments(stack: LocalStack) -> None:
    _, first = echo(stack, "/env")
    _, second = echo(stack, "/env")
    assert first["process"]["pid"] == second["process"]["pid"] == second["init_pid"]
    env = first["env"]
    assert env["ENV_ONLY"] == "1" and "ECHO_ONLY" not in env
    assert CANARY not in env and "PYTHONPATH" not in env
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "trackhub-local-EnvFunction"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "384"
    assert env["AWS_ENDPOINT_URL"] == stack.endpoint_url
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert env["GREETING"] == "hello"
    assert env["RESULTS_TABLE_NAME"] == stack.table_names["ResultsTable"]
    assert first["process"]["sys_path"][:2] == [
        str(FIXTURE_DIR / "functions" / "env"),
        str(FIXTURE_DIR / "layers" / "common"),
    ]
    _, echoed = echo(stack, "/echo")
    assert echoed["env"]["ECHO_ONLY"] == "1" and "ENV_ONLY" not in echoed["env"]
    assert echoed["env"]["QUEUE_URL"] == stack.queue_urls["WorkQueue"]
    assert echoed["process"]["pid"] != first["process"]["pid"]


def test_cors_preflight_from_the_template(stack: LocalStack) -> None:
    response = call(stack.port, "OPTIONS", "/echo", headers=[("Origin", "https://app.example")])
    assert response.status == 200
    assert response.header("Access-Control-Allow-Origin") == "https://app.example"
    assert response.header("Access-Control-Allow-Methods") == "GET,POST,OPTIONS"
    assert response.header("Access-Control-Allow-Headers") == "Content-Type,Authorization"
    assert response.header("Access-Control-Max-Age") == "600"
    assert call(stack.port, "OPTIONS", "/nope").status == 404


def test_keep_alive_and_local_pages(stack: LocalStack) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    try:
        for _ in range(3):
            assert call(stack.port, "GET", "/echo", connection=connection).status == 200
        openapi = call(stack.port, "GET", "/openapi.json", connection=connection)
        assert openapi.status == 200 and openapi.json()["info"]["title"] == "trackhub"
        swagger = call(stack.port, "GET", "/swagger", connection=connection)
        assert swagger.status == 200 and b"/openapi.json" in swagger.body
    finally:
        connection.close()


def test_function_logs_reach_the_log_file(stack: LocalStack) -> None:
    call(stack.port, "GET", "/boom")
    log_file = stack.sink.path
    assert log_file is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "boom on purpose" not in log_file.read_text(encoding="utf-8"):
        time.sleep(0.05)
    text = log_file.read_text(encoding="utf-8")
    assert "[BoomFunction] [ERROR] BoomError: boom on purpose" in text
    assert '[EchoFunction] {"level": "INFO", "message": "echo"' in text  # printed to stdout by the function


def test_stop_ends_workers_servers_and_threads(tmp_path: Path) -> None:
    threads_before = set(threading.enumerate())
    local = LocalStack(FIXTURE, port=0, log_file=tmp_path / "log")
    local.start()
    port = local.port
    call(port, "GET", "/env")
    call(port, "GET", "/echo")
    assert local.invoker is not None
    pids = local.invoker.worker_pids()
    assert len(pids) == 2
    moto_endpoint = local.endpoint_url
    local.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    for address in (("127.0.0.1", port), ("127.0.0.1", int(moto_endpoint.rsplit(":", 1)[1]))):
        with pytest.raises(OSError), socket.create_connection(address, timeout=1):
            pass

    def leftovers() -> set[str]:
        # Per-request server threads may belong to the module's other stack; both ports are closed here.
        new = set(threading.enumerate()) - threads_before
        return {t.name for t in new if "process_request_thread" not in t.name}

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and leftovers():
        time.sleep(0.05)
    assert not leftovers()  # pollers, the gateway and moto servers, worker log readers
    local.stop()  # idempotent


def test_trackhub_local_main_seeds_prints_and_stops_on_sigterm(tmp_path: Path) -> None:
    demo_file = tmp_path / "local" / "demo.json"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "HUB_PORT": "0",
        "HUB_TEMPLATE": str(FIXTURE),
        "HUB_DEMO_FILE": str(demo_file),
        "HUB_LOG_FILE": str(tmp_path / "functions.log"),
        "HUB_SEED": "seed_hook:seed",
        "PYTHONPATH": str(FIXTURE_DIR),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "trackhub_local.main"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
        reader.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("ready on" in line for line in lines):
            assert process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.05)
        ready = next(line for line in lines if "ready on" in line)
        base_url = ready.rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        demo = json.loads(demo_file.read_text(encoding="utf-8"))
        assert demo == {
            "baseUrl": base_url,
            "apiKey": {"userId": "demo-user", "apiKey": "demo-secret"},
            "echoStatus": 200,  # the seed ran against the serving stack, before "ready"
        }
        assert stat.S_IMODE(demo_file.stat().st_mode) == 0o600
        time.sleep(0.2)
        assert any(f"curl -s -u demo-user:demo-secret {base_url}/v1/whoami" in line for line in lines)
        port = int(base_url.rsplit(":", 1)[1])
        assert call(port, "GET", "/echo").status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
