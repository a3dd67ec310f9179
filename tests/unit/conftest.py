"""Unit tests: handlers in-process, AWS through moto's mock_aws, tables built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from trackhub.config import reset_settings
from trackhub.storage.clients import reset_clients

ROOT = Path(__file__).resolve().parents[2]

# Environment variable each function reads for a table, by the table's logical id in the template.
TABLE_ENV = {"TenancyTable": "TENANCY_TABLE_NAME", "EventsTable": "EVENTS_TABLE_NAME"}


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "trackhub",
        "POWERTOOLS_METRICS_NAMESPACE": "trackhub",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_settings()
    reset_clients()
    yield
    reset_settings()
    reset_clients()


@pytest.fixture
def hub_tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Every DynamoDB table of the template, created in moto from the template's own Properties."""
    with mock_aws():
        names = create_template_tables(boto3.client("dynamodb", region_name="us-east-1"))
        for logical_id, physical in names.items():
            if logical_id in TABLE_ENV:
                monkeypatch.setenv(TABLE_ENV[logical_id], physical)
        reset_settings()
        reset_clients()
        yield names


def create_template_tables(client: Any) -> dict[str, str]:
    from trackhub_local.resources import create_tables
    from trackhub_local.template import load_template

    return dict(create_tables(client, load_template(ROOT / "template.yaml")))
