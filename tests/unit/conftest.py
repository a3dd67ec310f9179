"""Unit tests: handlers in-process, AWS through moto's mock_aws, tables built from template.yaml."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Powertools reads these when trackhub.observability is first imported, which may be at collection
# time (a test module importing a service), before any fixture runs: set them first.
POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": "trackhub",
    "POWERTOOLS_METRICS_NAMESPACE": "trackhub",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
for _name, _value in POWERTOOLS_ENV.items():
    os.environ.setdefault(_name, _value)

import boto3  # noqa: E402 - after the Powertools environment
import pytest  # noqa: E402
from hubtest.template import BUCKET_ENV, TABLE_ENV  # noqa: E402
from moto import mock_aws  # noqa: E402

from trackhub.config import reset_settings  # noqa: E402
from trackhub.storage.clients import reset_clients  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **POWERTOOLS_ENV,
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
    """Every DynamoDB table (and S3 bucket) of the template, created in moto from the template."""
    with mock_aws():
        names = create_template_tables(boto3.client("dynamodb", region_name="us-east-1"))
        for logical_id, physical in names.items():
            if logical_id in TABLE_ENV:
                monkeypatch.setenv(TABLE_ENV[logical_id], physical)
        buckets = create_template_buckets(boto3.client("s3", region_name="us-east-1"))
        for logical_id, physical in buckets.items():
            if logical_id in BUCKET_ENV:
                monkeypatch.setenv(BUCKET_ENV[logical_id], physical)
        reset_settings()
        reset_clients()
        yield names


def create_template_tables(client: Any) -> dict[str, str]:
    from hubtest.template import project_template

    from trackhub_local.resources import create_tables

    return dict(create_tables(client, project_template()))


def create_template_buckets(client: Any) -> dict[str, str]:
    from hubtest.template import project_template

    from trackhub_local.resources import create_buckets

    return dict(create_buckets(client, project_template()))
