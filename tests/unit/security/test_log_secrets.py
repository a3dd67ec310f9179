"""Secrets never reach the logs: apiKeys, webTokens, userTokens, authTokens, JWTs, webhook and JWT secrets.

One module-wide run drives every part of the hub with real credentials — provisioning, each route's
success path, every row of the security matrix (wrong secrets, revoked keys, bad tokens), the stream
consumers and real webhook deliveries (one succeeding, one failing) — while everything Powertools
Logger formats, everything the standard library's logging emits at INFO or above (botocore, urllib3 …)
and everything written to stdout/stderr (EMF metrics) is captured. Then each secret is searched for.

Third-party DEBUG logging is outside the guarantee: botocore at DEBUG prints request parameters,
which include what the hub stores (a webhook's secret, the JWT settings); see docs/security.md.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from hubtest.functions import LambdaContext, Reply, load_function
from hubtest.receiver import Receiver
from hubtest.streams import mapped_records
from matrix import MATRIX, Basic, Public
from security_world import (
    WEBHOOK_SECRET,
    XAPI_HEADERS,
    InProcessHub,
    World,
    aws_world,
    seed_world,
)
from test_matrix import CASES, ROUTES, send

from trackhub.observability import logger as hub_logger
from trackhub_local.pollers import sqs_record

# The names of the secrets seed_world records; each gets its own test.
SECRET_NAMES = (
    "full apiKey",
    "revoked apiKey",
    "other apiKey",
    "mixed apiKey",
    "revoked_account apiKey",
    "events_only apiKey",
    "parts_only apiKey",
    "publisher apiKey",
    "subscriber apiKey",
    "webToken",
    "userToken",
    "outsider webToken",
    "outsider userToken",
    "authToken",
    "ended authToken",
    "outsider authToken",
    "JWT",
    "outsider JWT",
    "JWT signature",
    "JWT secret",
    "webhook secret",
    "Basic header",
    "anonymous authToken",
    "launch webToken",
    "loopback webhook secret",
)
LOOPBACK_SECRET = "L00pbackSecretZ9y8X7"


class _Sink(logging.Handler):
    def __init__(self, stream: io.StringIO) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(self.format(record) + "\n")


@contextlib.contextmanager
def capture_logs() -> Iterator[io.StringIO]:
    """The hub's Powertools logger at DEBUG, formatted by its own formatter; every other logger at
    INFO through the root; stdout and stderr. All into one buffer."""
    buffer = io.StringIO()
    powertools = logging.getLogger(hub_logger.name)
    hub_sink = _Sink(buffer)
    hub_sink.setFormatter(hub_logger.registered_formatter)
    root_sink = _Sink(buffer)
    root_sink.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root_sink.setLevel(logging.INFO)
    root = logging.getLogger()
    saved = powertools.level, root.level
    powertools.addHandler(hub_sink)
    powertools.setLevel(logging.DEBUG)
    root.addHandler(root_sink)
    root.setLevel(logging.INFO)
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        powertools.removeHandler(hub_sink)
        root.removeHandler(root_sink)
        powertools.setLevel(saved[0])
        root.setLevel(saved[1])


@dataclass
class Captured:
    world: World
    text: str
    answers: list[str]


class RecordingHub(InProcessHub):
    """Keeps every answer body and header, to check what a caller is ever told."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[str] = []

    def call(self, method: str, path: str, **options: Any) -> Reply:
        reply = super().call(method, path, **options)
        self.answers.append(f"{method} {path} -> {reply.status} {reply.headers} {reply.body}")
        return reply


def _auth(key: Any) -> dict[str, str]:
    return {"Authorization": key.header}


def _initialized(world: World) -> dict[str, Any]:
    return {
        "actor": {
            "name": world.demo["jwtUser"],
            "account": {"homePage": "https://hub.example.com/", "name": "x"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/initialized"},
        "object": {
            "id": "https://games.example.com/level/1",
            "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/level"},
        },
        "timestamp": "2026-01-15T10:00:00Z",
    }


def drive_success_paths(world: World, rx: Receiver) -> None:
    """Each public part once more with good credentials, reading back what the seed wrote."""
    hub, keys, demo = world.hub, world.keys, world.demo
    full = _auth(keys["full"])
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/v1/whoami", {"headers": full}),
        ("GET", f"/events/{world.event_id}", {"headers": _auth(keys["subscriber"])}),
        ("GET", "/events", {"headers": _auth(keys["subscriber"]), "query": {"program": "DEMO-PUB"}}),
        ("GET", "/api/events/DEMO-PUB", {"headers": _auth(keys["subscriber"])}),
        ("POST", "/v1/webtracking/pull", {"headers": full, "body": {"webToken": demo["webToken"]}}),
        ("GET", "/v1/webtracking/pull", {"headers": full, "query": {"webToken": demo["webToken"]}}),
        (
            "POST",
            "/v1/webtracking/push",
            {
                "headers": full,
                "body": {
                    "userToken": demo["userToken"],
                    "activity_ID": demo["activity"]["ID"],
                    "pathway": demo["pathway"]["ID"],
                    "complete": 1,
                },
            },
        ),
        (
            "POST",
            "/v1/content/render",
            {
                "headers": full,
                "body": {
                    "content": f"<p>{{WEBHOOK:{rx.url('/ok')}:{LOOPBACK_SECRET}:POST}}"
                    f"{{WEBHOOK:{rx.url('/fails')}:{LOOPBACK_SECRET}}}"
                    f"{{WEBHOOKJS:{rx.url('/js')}:{LOOPBACK_SECRET}}}</p>",
                    "context": {"session": "session-1", "ip": "203.0.113.9"},
                },
            },
        ),
        ("GET", "/v1/webhooks", {"headers": full}),
        ("GET", f"/v1/webhooks/{world.webhook_id}/deliveries", {"headers": full}),
        ("POST", f"/v1/webhooks/{world.webhook_id}/test", {"headers": full}),
        ("POST", f"/v1/webhooks/{world.webhook_id}/redrive", {"headers": full}),
        ("GET", "/v1/usage", {"headers": full}),
        ("GET", "/xapi/statements", {"headers": {**full, **XAPI_HEADERS}}),
        ("GET", "/xapi/about", {}),
        ("GET", "/health", {}),
        (
            "POST",
            "/api/collector/track",
            {"headers": {"Authorization": world.auth_token}, "body": [_initialized(world)]},
        ),
        ("GET", "/admin/accounts/demo/keys", {}),
        ("GET", "/admin/accounts/demo/users", {}),
        ("GET", "/admin/accounts/demo/jwt-settings", {}),
        ("GET", "/admin/accounts/demo/tracking-codes", {}),
    ]
    for method, path, options in calls:
        reply = hub.call(method, path, **options)
        assert reply.status < 300, f"{method} {path}: {reply.status} {reply.body[:200]}"
    anonymous = hub.call("POST", f"/api/collector/start/{demo['trackingCode']}")
    assert anonymous.status == 200, anonymous.body
    world.secrets["anonymous authToken"] = anonymous.json["authToken"]
    resumed = hub.call(
        "POST",
        f"/api/collector/start/{demo['trackingCode']}",
        body={"anonymous": anonymous.json["playerId"]},
    )
    assert resumed.status == 200, resumed.body
    world.secrets["resumed authToken"] = resumed.json["authToken"]
    assert (
        hub.call("POST", "/api/collector/end", headers={"Authorization": resumed.json["authToken"]}).status
        == 200
    )
    launched = hub.call(
        "POST",
        "/admin/accounts/demo/launches",
        body={
            "pathwayId": demo["pathway"]["ID"],
            "activityId": demo["activity"]["ID"],
            "email": demo["learner"]["email"],
        },
    )
    assert launched.status == 201, launched.body
    world.secrets["launch webToken"] = launched.json["webToken"]
    world.secrets["launch userToken"] = launched.json["userToken"]


def drive_matrix(world: World) -> None:
    """Every row of the security matrix: the failure paths, where a careless log line would sit."""
    keys = world.keys
    for method, resource, _, _ in ROUTES:
        entry = MATRIX.get((method, resource))
        if isinstance(entry, Public):
            for row in entry.rows:
                send(world, row.request(world), None)
        elif isinstance(entry, Basic):
            request = entry.request(world)
            for authorization in (
                None,
                keys["full"].wrong_secret,
                keys["revoked"].header,
                keys["other"].header,
                keys[entry.lacking].header,
            ):
                send(world, request, authorization)
            for row in entry.rows:  # the route's own tokens (unknown, another account's …)
                send(world, row.request(world), None)
    assert len(CASES) == 5  # the five credential cases above


def drive_consumers(world: World, rx: Receiver) -> None:
    """Stream consumers and the delivery worker, as their event-source mappings would run them."""
    tables = world.hub.template.tables
    for function, table in (
        ("WebhookOutboxFunction", "WebhooksTable"),
        ("WebhookFanoutFunction", "EventsTable"),
        ("CollectorSessionEventsFunction", "CollectorTable"),
        ("WebhookOutboxFunction", "WebhooksTable"),  # what the fan-out queued
    ):
        if function not in world.hub.template.functions:
            continue
        records = mapped_records(tables[table].name, function)
        if records:
            load_function(world.hub.function_dir(function)).lambda_handler(
                {"Records": records}, LambdaContext(function_name=function)
            )
    rx.respond(200)
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = world.hub.template.functions["WebhookDeliverFunction"].env.get("WEBHOOK_QUEUE_URL", "")
    for attempt in range(3):
        # The first batch fails (a retry is scheduled at once), the next ones succeed.
        rx.respond(500 if attempt == 0 else 200)
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            break
        records = [sqs_record(m, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1") for m in messages]
        result = load_function("webhook_deliver").lambda_handler(
            {"Records": records}, LambdaContext(function_name="webhook_deliver")
        )
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for record in records:  # the event source mapping deletes what succeeded
            if record["messageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    assert rx.requests, "no webhook was delivered: the delivery path did not run"


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Captured]:
    rx = Receiver.start(Path(tmp_path_factory.mktemp("tls")))
    try:
        with aws_world() as patch:
            patch.setenv("SSL_CERT_FILE", str(rx.ca_file))
            patch.setenv("WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
            patch.setenv("WEBHOOK_RETRY_SCHEDULE", "0")
            patch.setenv("WEBHOOK_TIMEOUT_SECONDS", "5")
            from trackhub.config import reset_settings
            from trackhub.webhooks import queue

            reset_settings()
            queue.reset_client()
            with capture_logs() as buffer:
                hub = RecordingHub()
                world = seed_world(hub)
                world.secrets["loopback webhook secret"] = LOOPBACK_SECRET
                drive_success_paths(world, rx)
                drive_matrix(world)
                drive_consumers(world, rx)
            queue.reset_client()
            yield Captured(world, buffer.getvalue(), hub.answers)
    finally:
        rx.stop()


def test_the_capture_holds_the_hub_logs_and_metrics(captured: Captured) -> None:
    # Given the captured output of the whole run
    lines = [json.loads(line) for line in captured.text.splitlines() if line.startswith("{")]
    # Then it holds Powertools records of several functions and EMF metrics: a grep over it means something
    assert any(line.get("service") == "trackhub" and "level" in line for line in lines)
    assert any("_aws" in line for line in lines)
    assert {line.get("function_name") for line in lines if "function_name" in line} >= {
        "collector_start",
        "webhook_deliver",
    }


def test_a_secret_the_hub_logs_would_be_found() -> None:
    # Given the same capture, When a handler logs a value with the hub's logger (as a bug would)
    with capture_logs() as buffer:
        hub_logger.info("oops", extra={"token": "canary-5f3b9c"})
    # Then the search below finds it
    assert "canary-5f3b9c" in buffer.getvalue()


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_never_appears_in_the_logs(captured: Captured, name: str) -> None:
    # Given a secret the run used for real
    value = captured.world.secrets.get(name)
    assert value, f"the run did not produce a {name}"
    # Then no log line, metric or stray print holds it
    at = captured.text.find(value)
    assert at < 0, f"{name} appears in the logs: …{captured.text[max(0, at - 200) : at + 50]}…"


def test_every_secret_of_the_run_is_checked(captured: Captured) -> None:
    # Then the parametrized list above covers every secret the run recorded
    assert set(captured.world.secrets) - {"resumed authToken", "launch userToken"} <= set(SECRET_NAMES)
    for name in ("resumed authToken", "launch userToken"):
        assert captured.world.secrets[name] not in captured.text, f"{name} appears in the logs"


@pytest.mark.parametrize("name", ["webhook secret", "loopback webhook secret", "JWT secret"])
def test_stored_secrets_never_come_back_in_any_answer(captured: Captured, name: str) -> None:
    # Given every answer of the run (provisioning, lists, renders with {WEBHOOKJS}, matrix rows)
    value = captured.world.secrets[name]
    assert len(captured.answers) > 100
    # Then a webhook's secret or a JWT secret, once stored, is never sent back to anyone
    leaked = [answer[:300] for answer in captured.answers if value in answer]
    assert not leaked, f"{name} came back in: {leaked}"


def test_the_template_never_logs_whole_events() -> None:
    # Given the template's Globals, Then Powertools never logs the incoming event (it holds the
    # Authorization header and bodies with tokens)
    functions = InProcessHub().template.functions.values()
    assert {spec.env.get("POWERTOOLS_LOGGER_LOG_EVENT", "false").lower() for spec in functions} == {"false"}
    assert WEBHOOK_SECRET
