"""Fault tests: every template table and webhook queue in moto, one account with everything a write
path needs (keys, a web tracking launch, a collector tracking code, a webhook subscription), and an
Injector hooked into the hub's own boto3 clients.

botocore's retry waits are set to zero here (the retries themselves still happen); the events
store's own publish backoff is zeroed the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Powertools reads these when trackhub.observability is first imported (maybe at collection).
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "trackhub")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "trackhub")

import boto3
import pytest
from botocore.retries import standard
from faults_support import JWT_SECRET, REGION, Stack, launch
from hubtest.apigw import api_event, basic
from hubtest.functions import invoke
from hubtest.receiver import Receiver
from hubtest.template import TABLE_ENV, project_template
from injector import Injector
from moto import mock_aws

from trackhub.collector import admin as collector_admin
from trackhub.collector import jwt_settings
from trackhub.collector.api_models import CreateTrackingCodeRequest
from trackhub.collector.models import JwtSettings
from trackhub.config import reset_settings
from trackhub.events import service as events_service
from trackhub.storage.clients import reset_clients
from trackhub.tenancy import service as tenancy
from trackhub.webhooks import queue
from trackhub_local.resources import create_queues, create_tables

SCOPES = ["events:publish:*", "events:read:*", "webtracking", "collector", "webhooks"]
UNIT_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
WORLD_ENV = (
    "WEBHOOK_QUEUE_URL",
    "WEBHOOK_DLQ_URL",
    "WEBHOOK_RETRY_SCHEDULE",
    "WEBHOOK_TIMEOUT_SECONDS",
    "WEBHOOK_ALLOW_NETWORKS",
    "SSL_CERT_FILE",
    "COLLECTOR_JWT_PARAMETER_PREFIX",
    "STATEMENTS_WRITE_BACKOFF_MS",
)


@pytest.fixture(autouse=True)
def _metrics_namespace() -> None:
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep botocore's retries (the thing under test) but not their back-off sleeps."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(events_service, "sleep", lambda seconds: None)


def _provision(patch: pytest.MonkeyPatch, tables: dict[str, str], directory: Path) -> Stack:
    rx = Receiver.start(directory)
    sqs = boto3.client("sqs", region_name=REGION)
    urls = create_queues(sqs, project_template())
    for name, value in {
        "WEBHOOK_QUEUE_URL": urls["WebhookDeliveryQueue"],
        "WEBHOOK_DLQ_URL": urls["WebhookDeliveryDLQ"],
        "WEBHOOK_RETRY_SCHEDULE": "0",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
        "WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
        "SSL_CERT_FILE": str(rx.ca_file),
        "COLLECTOR_JWT_PARAMETER_PREFIX": "/faults/collector/jwt",
        "STATEMENTS_WRITE_BACKOFF_MS": "0",
    }.items():
        patch.setenv(name, value)
    reset_settings()
    reset_clients()
    queue.reset_client()
    jwt_settings.reset()
    account = tenancy.create_account("Acme", "acme")
    program = tenancy.create_program(account.account_id, "ACME-LMS", "LMS")
    key, secret = tenancy.create_key(account.account_id, SCOPES, "everything")
    auth = basic(key.user_id, secret)
    code = collector_admin.create_code(
        account.account_id, CreateTrackingCodeRequest(name="game", trackingCode="open-game")
    ).code
    collector_admin.put_jwt_settings(
        account.account_id, JwtSettings(algorithm="HS256", secret=JWT_SECRET, issuer="https://login/")
    )
    web_token = launch(account.account_id)
    created = invoke(
        "webhooks_create",
        api_event(
            "POST",
            "/v1/webhooks",
            headers={"Authorization": auth},
            body={
                "code": f"{{WEBHOOK:{rx.url('/events')}:s3cret:POST}}",
                "programs": [program.program_id],
                "types": [],
            },
        ),
    )
    assert created.status == 201, created.body
    return Stack(
        auth=auth,
        account_id=account.account_id,
        program_id=program.program_id,
        web_token=web_token,
        tracking_code=code,
        webhook_id=created.json["webhookId"],
        receiver=rx,
        tables=tables,
        queue_url=urls["WebhookDeliveryQueue"],
        dlq_url=urls["WebhookDeliveryDLQ"],
        injector=Injector(),
    )


@contextmanager
def _injecting(world: Stack) -> Iterator[Stack]:
    """Clients are created per test (the root conftest resets them): hook the ones this test uses."""
    reset_clients()
    queue.reset_client()  # also a fresh retry quota for botocore's standard mode
    jwt_settings.reset()
    world.injector.install()
    try:
        yield world
    finally:
        world.injector.uninstall()
        queue.reset_client()
        jwt_settings.reset()


@pytest.fixture
def stack(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Stack]:
    """A world of its own (tests that count deliveries or receiver calls)."""
    world = _provision(monkeypatch, hub_tables, tmp_path / "tls")
    try:
        with _injecting(world):
            yield world
    finally:
        world.receiver.stop()


@pytest.fixture(scope="module")
def _module_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in {**UNIT_ENV, "POWERTOOLS_SERVICE_NAME": "trackhub"}.items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        tables = dict(create_tables(boto3.client("dynamodb", region_name=REGION), project_template()))
        env = {logical: TABLE_ENV[logical] for logical in tables if logical in TABLE_ENV}
        for logical, variable in env.items():
            patch.setenv(variable, tables[logical])
        world = _provision(patch, tables, tmp_path_factory.mktemp("tls"))
        variables = {name: os.environ[name] for name in (*env.values(), *WORLD_ENV)}
        try:
            yield world, variables
        finally:
            world.receiver.stop()
    reset_settings()
    reset_clients()


@pytest.fixture
def shared_stack(
    _module_world: tuple[Stack, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """One world per test module (provisioning is most of a case's cost). Tests only add to it with
    unique names, and compare the tables before and after their own request."""
    world, variables = _module_world
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    with _injecting(world):
        yield world
