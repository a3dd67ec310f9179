"""The Lambda proxy integration contract of a REST API (payload format 1.0), both directions.

`build_event` turns an HTTP request into the event API Gateway passes to the function;
`parse_result` turns the function's return value into an HTTP response, refusing what API Gateway
refuses (it answers 502 to a malformed proxy response). `gateway_error` renders API Gateway's own
answers (unknown route, body too large, function error, timeout) with the template's GatewayResponses.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from trackhub_local.routes import RouteMatch
from trackhub_local.template import ApiSpec, GatewayResponse

# API Gateway's hard limit on a request payload.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
LOCAL_ADMIN_ACCOUNT = "000000000000"
LOCAL_ADMIN_ARN = f"arn:aws:iam::{LOCAL_ADMIN_ACCOUNT}:user/local-admin"
LOCAL_ADMIN_CALLER = "AIDALOCALADMIN000000"
# Bodies of these types are passed base64-encoded even when the template lists no BinaryMediaTypes.
_ALWAYS_BINARY = (
    "application/octet-stream",
    "image/*",
    "audio/*",
    "video/*",
    "application/pdf",
    "application/zip",
)
_PROXY_RESULT_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
# Set by the HTTP layer, never copied from a function's answer.
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"})
_SIGV4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # raw (still percent-encoded) path, without the query string
    query: str  # raw query string
    headers: list[tuple[str, str]]  # in order, duplicates kept
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        found = [value for key, value in self.headers if key.lower() == wanted]
        return found[-1] if found else None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


@dataclass(frozen=True)
class GatewayIdentity:
    """Values API Gateway fills in for the deployment; a stable local stand-in for each."""

    account_id: str
    api_id: str
    stage: str
    extra_headers: Mapping[str, str] = field(default_factory=dict)


class MalformedProxyResponse(ValueError):
    pass


def _multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value  # API Gateway keeps the last value in the single-value map
        multi.setdefault(key, []).append(value)
    return (single or None), (multi or None)


def is_binary(content_type: str | None, body: bytes, binary_media_types: Iterable[str]) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if not media_type:
        return False
    return any(fnmatch.fnmatch(media_type, kind.lower()) for kind in (*binary_media_types, *_ALWAYS_BINARY))


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def _identity(request: HttpRequest, iam_auth: bool) -> dict[str, Any]:
    identity: dict[str, Any] = {
        "accessKey": None,
        "accountId": None,
        "apiKey": None,
        "apiKeyId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": request.source_ip,
        "user": None,
        "userAgent": request.header("User-Agent"),
        "userArn": None,
    }
    if iam_auth:
        # Locally an AWS_IAM route accepts any caller (the stack only listens on loopback); the
        # function sees the identity API Gateway would pass for a signed request of a local admin.
        signed = _SIGV4_CREDENTIAL.search(request.header("Authorization") or "")
        identity.update(
            accessKey=signed.group(1) if signed else "LOCALADMINACCESSKEY0",
            accountId=LOCAL_ADMIN_ACCOUNT,
            caller=LOCAL_ADMIN_CALLER,
            user=LOCAL_ADMIN_CALLER,
            userArn=LOCAL_ADMIN_ARN,
        )
    return identity


def build_event(
    request: HttpRequest,
    match: RouteMatch,
    gateway: GatewayIdentity,
    *,
    iam_auth: bool = False,
    binary_media_types: Iterable[str] = (),
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The Lambda proxy event (payload 1.0) API Gateway sends for `request` routed to `match`."""
    request_id = request_id or str(uuid.uuid4())
    now = now or datetime.now(UTC)
    replaced = {name.lower() for name in gateway.extra_headers}
    headers = [(k, v) for k, v in request.headers if k.lower() not in replaced]
    headers += list(gateway.extra_headers.items())
    single_headers, multi_headers = _multi(headers)
    query_pairs = parse_qsl(request.query, keep_blank_values=True)
    single_query, multi_query = _multi(query_pairs)
    content_type = request.header("Content-Type")
    if not request.body:
        body, encoded = None, False
    elif is_binary(content_type, request.body, binary_media_types):
        body, encoded = base64.b64encode(request.body).decode("ascii"), True
    else:
        body, encoded = request.body.decode("utf-8"), False
    host = request.header("Host") or "localhost"
    return {
        "resource": match.resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(match.path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": gateway.account_id,
            "apiId": gateway.api_id,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "extendedRequestId": base64.b32encode(uuid.UUID(request_id).bytes)[:16].decode().rstrip("="),
            "httpMethod": request.method,
            "identity": _identity(request, iam_auth),
            "path": f"/{gateway.stage}{request.path}",
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, match.resource).hex[:6],
            "resourcePath": match.resource,
            "stage": gateway.stage,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def forwarded_headers(request: HttpRequest, port: int) -> dict[str, str]:
    """The headers API Gateway adds on its way to the integration."""
    previous = request.header("X-Forwarded-For")
    return {
        "X-Forwarded-For": f"{previous}, {request.source_ip}" if previous else request.source_ip,
        "X-Forwarded-Port": str(port),
        "X-Forwarded-Proto": "http",
        "X-Amzn-Trace-Id": request.header("X-Amzn-Trace-Id") or _trace_id(),
    }


def _header_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedProxyResponse(f"{where} must be a string, not {type(value).__name__}")


def parse_result(result: Any) -> HttpResponse:
    """The HTTP response for a function's proxy result; MalformedProxyResponse if API Gateway would 502."""
    if not isinstance(result, dict):
        raise MalformedProxyResponse(f"the result is a {type(result).__name__}, not an object")
    unknown = set(result) - _PROXY_RESULT_KEYS
    if unknown:
        raise MalformedProxyResponse(f"unexpected fields {sorted(unknown)}")
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode {status!r} is not an HTTP status")
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponse("body must be a string")
    raw = (body or "").encode("utf-8")
    if result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedProxyResponse("isBase64Encoded but the body is not base64") from exc
    merged: dict[str, tuple[str, list[str]]] = {}  # lower name -> (name as given, values)
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise MalformedProxyResponse("headers and multiValueHeaders must be objects")
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders[{name!r}] must be a list")
        merged.setdefault(name.lower(), (name, []))[1].extend(_header_value(v, name) for v in values)
    for name, value in single.items():
        text = _header_value(value, name)
        _, values = merged.setdefault(name.lower(), (name, []))
        if text not in values:  # the same pair in both maps appears once (API Gateway's merge rule)
            values.append(text)
    headers = [
        (name, value) for key, (name, values) in merged.items() if key not in _HOP_BY_HOP for value in values
    ]
    if "content-type" not in merged:
        headers.append(("Content-Type", "application/json"))  # API Gateway's default
    return HttpResponse(status, headers, raw)


# API Gateway's answers the stack reproduces: response type -> (default status, message, error type).
# LAMBDA_ERROR is not a gateway response type: it stands for the 502 of a failed or malformed invocation.
_GATEWAY_DEFAULTS: dict[str, tuple[int, str, str]] = {
    # API Gateway's own default is 403 "Missing Authentication Token"; trackhub maps it to 404 in its
    # template, and a template that does not is answered with the same 404 locally.
    "MISSING_AUTHENTICATION_TOKEN": (404, "Not found", "MissingAuthenticationTokenException"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLargeException"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out", "InternalServerErrorException"),
    "LAMBDA_ERROR": (502, "Internal server error", "InternalServerErrorException"),
}


def gateway_error(kind: str, api: ApiSpec | None, request_id: str) -> HttpResponse:
    """API Gateway's own answer of type `kind`, customised by the template's GatewayResponses."""
    status, message, error_type = _GATEWAY_DEFAULTS[kind]
    responses: Mapping[str, GatewayResponse] = api.gateway_responses if api else {}
    family = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
    # A function's failure is the integration's answer, not a gateway response: not customisable.
    custom = None if kind == "LAMBDA_ERROR" else responses.get(kind) or responses.get(family)
    body = json.dumps({"message": message})
    headers: list[tuple[str, str]] = []
    if custom is not None:
        status = custom.status_code or status
        if custom.body is not None:
            body = (
                custom.body.replace("$context.error.messageString", json.dumps(message))
                .replace("$context.error.message", message)
                .replace("$context.requestId", request_id)
            )
        headers.extend(custom.headers.items())
    headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)]
    return HttpResponse(status, headers, body.encode("utf-8"))
