"""The Tracer is built on the first invocation, and AWS calls are still traced (template: Tracing: Active).

A fresh interpreter plays a Lambda environment with X-Ray on: the Lambda variables the runtime sets,
a sampled trace header, and an X-Ray daemon address where this test listens for the UDP segments the
SDK emits. It imports a real handler, checks the X-Ray SDK is not loaded yet, invokes it once (a call
to DynamoDB under moto) and exits; the test then reads what the "daemon" received.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
TRACE_ID = "1-67890abc-0123456789abcdef01234567"

_CHILD = """
import sys
sys.path[:0] = [{layer!r}, {tests!r}]
from moto import mock_aws
from hubtest.apigw import api_event, basic
from hubtest.functions import invoke, load_function

load_function("whoami")
assert "aws_xray_sdk" not in sys.modules, "X-Ray SDK loaded at import"
with mock_aws():
    # No table exists: the key lookup fails, but the GetItem call is made (and answered 503).
    headers = {{"Authorization": basic("tk_0123456789abcdef", "k")}}
    reply = invoke("whoami", api_event("GET", "/v1/whoami", headers=headers))
print(reply.status, "aws_xray_sdk" in sys.modules)
"""


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    """A UDP socket standing in for the X-Ray daemon."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.5)
        yield sock


def received(sock: socket.socket) -> list[dict[str, Any]]:
    """Segment documents sent to the daemon: each datagram is a JSON header line, then the document."""
    documents = []
    while True:
        try:
            datagram = sock.recv(65_536)
        except TimeoutError:
            return documents
        _, _, body = datagram.decode("utf-8").partition("\n")
        documents.append(json.loads(body))


def test_boto_calls_are_traced_by_a_tracer_built_on_first_invocation(
    daemon: socket.socket, tmp_path: Path
) -> None:
    # Given a Lambda-like environment with tracing on and a sampled trace
    host, port = daemon.getsockname()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "POWERTOOLS_TRACE_DISABLED"}}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "trackhub-whoami",
            "LAMBDA_TASK_ROOT": str(tmp_path),
            "_X_AMZN_TRACE_ID": f"Root={TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"{host}:{port}",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "TENANCY_TABLE_NAME": "tenancy",
            "POWERTOOLS_SERVICE_NAME": "trackhub",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    code = _CHILD.format(layer=str(ROOT / "layers" / "shared"), tests=str(ROOT / "tests"))

    # When a handler is imported, then invoked once
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    # Then the SDK was loaded by the invocation, not the import (the child asserts the latter)
    assert done.returncode == 0, done.stderr[-3000:]
    status, loaded = done.stdout.split()[-2:]
    assert (status, loaded) == ("503", "True")
    # And the daemon got the handler's subsegment, and the DynamoDB call inside it, in the trace
    documents = received(daemon)
    assert documents and all(d["trace_id"] == TRACE_ID for d in documents)
    handler = next(d for d in documents if d["name"] == "## handler")
    assert handler["annotations"]["ColdStart"] is True
    call = next(d for d in documents if d.get("namespace") == "aws")
    assert (call["name"], call["aws"]["operation"], call["aws"]["table_name"]) == (
        "dynamodb",
        "GetItem",
        "tenancy",
    )
    assert call["parent_id"] == handler["id"]
