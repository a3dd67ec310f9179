"""Build API Gateway REST (v1 proxy) events the way API Gateway sends them to a function."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any


def basic(user_id: str, api_key: str) -> str:
    return "Basic " + base64.b64encode(f"{user_id}:{api_key}".encode()).decode()


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    body: Any = None,
    raw_body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str | list[str]] | None = None,
    source_ip: str = "203.0.113.7",
) -> dict[str, Any]:
    """`body` is JSON-encoded; `raw_body` is sent as is (bytes are base64-encoded like binary media)."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    encoded = False
    if raw_body is not None:
        if isinstance(raw_body, bytes):
            text, encoded = base64.b64encode(raw_body).decode(), True
        else:
            text = raw_body
    else:
        text = json.dumps(body) if body is not None else None
    multi_query = {k: (v if isinstance(v, list) else [v]) for k, v in (query or {}).items()}
    request_id = str(uuid.uuid4())
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "stage": "prod",
            "requestId": request_id,
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "identity": {"sourceIp": source_ip, "userAgent": "pytest"},
        },
        "body": text,
        "isBase64Encoded": encoded,
    }
