"""Event store unit tests: handlers in-process against moto, tables built from template.yaml's Properties.

Fixtures:
    events_store   a fresh events table for the test (the template's Properties, a unique name) next to
                   the module's tenancy table; settings and clients reset before and after
    world          a publisher, a subscriber and an outsider account with real keys (tenancy service)
    hub            calls the event store functions as API Gateway would

Provisioning the tenancy through its service takes ~40 AWS calls, so the moto backend and the world
are built once per test module (the world is only read by the tests); every test gets its own events
table, so no test sees another's events.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from events_support import REGION, Hub, World, provision_world, table_request, unit_environment
from moto import mock_aws

from trackhub.config import reset_settings
from trackhub.storage.clients import reset_clients

# Powertools reads its POWERTOOLS_* variables when trackhub.observability is first imported, which
# for these modules is at collection time: set them before any test module is imported.
for _name, _value in unit_environment().items():
    if _name.startswith("POWERTOOLS_"):
        os.environ.setdefault(_name, _value)


@dataclass(frozen=True)
class _Module:
    client: Any
    tenancy_table: str
    world: World


@pytest.fixture(scope="module")
def _events_module() -> Iterator[_Module]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in unit_environment().items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            tenancy = table_request("TenancyTable")
            client.create_table(**tenancy)
            patch.setenv("TENANCY_TABLE_NAME", tenancy["TableName"])
            reset_settings()
            reset_clients()
            _metrics_namespace()
            yield _Module(client, tenancy["TableName"], provision_world())
    reset_settings()
    reset_clients()


def _metrics_namespace() -> None:
    """If another suite imported trackhub.observability before the variables were set, fix it up."""
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture
def events_store(_events_module: _Module, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name, value in unit_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TENANCY_TABLE_NAME", _events_module.tenancy_table)
    request = table_request("EventsTable")
    name = f"{request['TableName']}-{uuid.uuid4().hex[:12]}"
    _events_module.client.create_table(**(request | {"TableName": name}))
    monkeypatch.setenv("EVENTS_TABLE_NAME", name)
    reset_settings()
    reset_clients()
    yield {"TenancyTable": _events_module.tenancy_table, "EventsTable": name}
    reset_settings()
    reset_clients()
    _events_module.client.delete_table(TableName=name)


@pytest.fixture
def world(_events_module: _Module, events_store: dict[str, str]) -> World:
    return _events_module.world


@pytest.fixture
def hub(world: World) -> Hub:
    return Hub()
