"""Webhook unit tests: moto for DynamoDB and SQS, a real HTTPS receiver on 127.0.0.1 for the sender.

Fixtures:
    receiver   an HTTPS receiver with a throwaway CA (SSL_CERT_FILE points at it; loopback allowed)
    wh         the template's tables and webhook queues in moto, an account with a `webhooks` key,
               and helpers to call the functions and to run the worker over what the queue holds
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from hubtest.apigw import basic
from hubtest.receiver import Receiver
from hubtest.template import project_template
from webhooks_support import Webhooks

from trackhub.config import reset_settings
from trackhub.storage.clients import reset_clients
from trackhub.tenancy import service as tenancy
from trackhub.webhooks import queue
from trackhub_local.resources import create_queues

ROOT = Path(__file__).resolve().parents[3]

# Powertools reads POWERTOOLS_* when trackhub.observability is first imported (at collection here).
for _name, _value in {
    "POWERTOOLS_SERVICE_NAME": "trackhub",
    "POWERTOOLS_METRICS_NAMESPACE": "trackhub",
    "POWERTOOLS_TRACE_DISABLED": "true",
}.items():
    os.environ.setdefault(_name, _value)


def _metrics_namespace() -> None:
    """If another suite imported trackhub.observability before the variables were set, fix it up."""
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture
def receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    rx = Receiver.start(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(rx.ca_file))
    monkeypatch.setenv("WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
    reset_settings()
    try:
        yield rx
    finally:
        rx.stop()


@pytest.fixture
def wh(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhooks]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    urls = create_queues(sqs, project_template())
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", urls["WebhookDeliveryQueue"])
    monkeypatch.setenv("WEBHOOK_DLQ_URL", urls["WebhookDeliveryDLQ"])
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "5")  # the test context has 10 s left
    reset_settings()
    reset_clients()
    queue.reset_client()
    _metrics_namespace()
    account = tenancy.create_account("Acme", "acme")
    program = tenancy.create_program(account.account_id, "ACME-LMS", "LMS")
    key, secret = tenancy.create_key(account.account_id, ["webhooks", "events:read:*"], "webhooks")
    plain, plain_secret = tenancy.create_key(account.account_id, ["events:read:*"], "no webhooks")
    yield Webhooks(
        auth=basic(key.user_id, secret),
        account_id=account.account_id,
        program_id=program.program_id,
        no_scope_auth=basic(plain.user_id, plain_secret),
        sqs=sqs,
        queue_url=urls["WebhookDeliveryQueue"],
        dlq_url=urls["WebhookDeliveryDLQ"],
    )
    queue.reset_client()
