"""gateway.py: how invocation outcomes become HTTP answers (no sockets: Gateway.handle directly)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackhub_local.gateway import Gateway
from trackhub_local.proxy import HttpRequest
from trackhub_local.template import load_template
from trackhub_local.workers import InvocationResult

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "local_stack" / "template.yaml"


class ScriptedInvoker:
    def __init__(self) -> None:
        self.result: InvocationResult | Exception = InvocationResult("Fn", "rid", payload={"statusCode": 200})
        self.events: list[tuple[str, Any]] = []

    def invoke(self, function_logical_id: str, event: Any) -> InvocationResult:
        self.events.append((function_logical_id, event))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture
def invoker() -> ScriptedInvoker:
    return ScriptedInvoker()


@pytest.fixture
def gateway(invoker: ScriptedInvoker) -> Iterator[Gateway]:
    def broken_openapi() -> bytes:
        raise RuntimeError("generation failed")

    gateway = Gateway(load_template(FIXTURE), invoker, openapi=broken_openapi)
    yield gateway
    gateway.stop()


def _get(gateway: Gateway, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    response = gateway.handle(HttpRequest(method, path, "", [("Host", "h")], b"", "127.0.0.1"))
    return response.status, {k.lower(): v for k, v in response.headers}, response.body


def test_outcomes_map_to_api_gateway_answers(gateway: Gateway, invoker: ScriptedInvoker) -> None:
    status, headers, _ = _get(gateway, "/echo")
    assert status == 200 and headers["content-type"] == "application/json" and headers["x-amzn-requestid"]
    assert invoker.events[-1][0] == "EchoFunction"
    invoker.result = InvocationResult("Fn", "rid", error={"errorType": "Sandbox.Timedout"}, timed_out=True)
    assert _get(gateway, "/echo")[0] == 504
    invoker.result = InvocationResult("Fn", "rid", error={"errorType": "ValueError"})
    assert _get(gateway, "/echo")[:3:2] == (502, b'{"message": "Internal server error"}')
    invoker.result = InvocationResult("Fn", "rid", payload={"statusCode": 200, "body": 5})
    assert _get(gateway, "/echo")[0] == 502
    invoker.result = RuntimeError("the invoker is closed")
    assert _get(gateway, "/echo")[0] == 502


def test_routing_answers_without_invoking(gateway: Gateway, invoker: ScriptedInvoker) -> None:
    status, headers, body = _get(gateway, "/unknown")
    assert status == 404 and json.loads(body)["code"] == "not_found"
    status, headers, _ = _get(gateway, "/echo/1", method="OPTIONS")
    assert status == 200 and headers["access-control-allow-origin"] == "https://app.example"
    status, _, body = _get(gateway, "/openapi.json")
    assert status == 500 and b"unavailable" in body
    status, headers, body = _get(gateway, "/swagger")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"/openapi.json" in body
    assert invoker.events == []


def test_too_large_uses_the_template_body(gateway: Gateway) -> None:
    response = gateway.too_large()
    assert response.status == 413
    assert json.loads(response.body) == {"message": "Request body too large", "code": "payload_too_large"}
