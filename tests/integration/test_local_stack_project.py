"""The local stack on the project's own template.yaml: the real layer, handlers and gateway responses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from hubtest.localhub import Hub

from trackhub_local.stack import LocalStack

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(hub: Hub) -> LocalStack:
    return hub.stack


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_runs_the_real_handler_against_the_template_tables(stack: LocalStack) -> None:
    status, body = _get(f"{stack.base_url}/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["dependencies"] and set(body["dependencies"].values()) == {"ok"}


def test_unknown_route_gets_the_template_gateway_response(stack: LocalStack) -> None:
    status, body = _get(f"{stack.base_url}/no/such/route")
    assert status == 404
    expected = stack.template.apis["HubApi"].gateway_responses["MISSING_AUTHENTICATION_TOKEN"].body
    assert expected is not None and body == json.loads(expected)


def test_openapi_document_covers_the_template_routes(stack: LocalStack) -> None:
    status, document = _get(f"{stack.base_url}/openapi.json")
    assert status == 200
    for spec in stack.template.functions.values():
        for event in spec.api_events:
            assert event.method.lower() in document["paths"][event.path]
