"""The xAPI HTTP conventions every Statements route shares: version and consistency headers, `more`
IRLs, the authority's homePage and the Alternate Request Syntax."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

from trackhub.config import statement_settings
from trackhub.errors import InvalidInput
from trackhub.xapi.models import XAPI_VERSION

_VERSION_RE = re.compile(r"^1\.0(\.\d+)?$")


def check_version(headers: Mapping[str, Any] | None) -> None:
    """xAPI requires `X-Experience-API-Version`; this LRS speaks 1.0.x."""
    value = next(
        (str(v) for k, v in (headers or {}).items() if k.lower() == "x-experience-api-version"), None
    )
    if value is None:
        raise InvalidInput("X-Experience-API-Version: header missing (send 1.0.3)")
    if not _VERSION_RE.match(value.strip()):
        raise InvalidInput(f"X-Experience-API-Version: {value!r} is not supported (send 1.0.3)")


def more_base(event: Mapping[str, Any]) -> str:
    """The path of this resource as the client called it: on an execute-api host it starts with the
    stage (requestContext.path); on a custom domain or the local stack it is the plain path."""
    headers = event.get("headers") or {}
    host = next((str(v) for k, v in headers.items() if k.lower() == "host"), "")
    context = event.get("requestContext") or {}
    if ".execute-api." in host and context.get("path"):
        return str(context["path"])
    return str(event.get("path") or "/xapi/statements")


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    return next((str(v) for k, v in (headers or {}).items() if k.lower() == name.lower()), None)


def http_date(iso_time: str) -> str:
    """An xAPI ISO timestamp as an HTTP date (Last-Modified)."""
    moment = datetime.fromisoformat(iso_time.replace("Z", "+00:00"))
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def xapi_headers(*, last_modified: str | None = None, consistent: bool = False) -> dict[str, str]:
    """Headers of every xAPI response: the version, and for reads the consistency horizon."""
    out = {"X-Experience-API-Version": XAPI_VERSION}
    if consistent:
        out["X-Experience-API-Consistent-Through"] = consistent_through()
    if last_modified:
        out["Last-Modified"] = http_date(last_modified)
    return out


def consistent_through() -> str:
    """Every statement stored before this instant is in query results: the indexes (GSIs) are
    eventually consistent, so the horizon trails the clock by the configured lag."""
    lag = timedelta(milliseconds=statement_settings().XAPI_CONSISTENT_LAG_MS)
    return (datetime.now(UTC) - lag).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def home_page(event: Mapping[str, Any]) -> str:
    """The hub's base URL as the client called it: the homePage of the LRS-set authority."""
    headers = event.get("headers") or {}
    host = header(headers, "host") or "localhost"
    proto = (header(headers, "x-forwarded-proto") or "https").split(",")[0].strip()
    return f"{proto}://{host}/"


# ------------------------------------------------------------------ Alternate Request Syntax
_HEADER_FIELDS = {
    "authorization": "Authorization",
    "x-experience-api-version": "X-Experience-API-Version",
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "if-match": "If-Match",
    "if-none-match": "If-None-Match",
}
ALTERNATE_METHODS = ("GET", "PUT", "POST", "HEAD")
ALTERNATE_KEY = "xapiMethod"  # where the rewritten event keeps the intended method (requestContext)


def alternate_syntax(event: dict[str, Any]) -> dict[str, Any]:
    """xAPI Communication 1.3: `POST ...?method=PUT|GET|POST` with a form body carrying headers,
    parameters and `content`. Returns the event as the intended request (method kept in
    requestContext[ALTERNATE_KEY]); the event unchanged when it does not use the syntax. InvalidInput
    for a malformed one (other query parameters, no form body, an unknown method)."""
    query = event.get("queryStringParameters") or {}
    if "method" not in query:
        return event
    method = str(query["method"]).upper()
    if event.get("httpMethod", "POST") != "POST":
        raise InvalidInput("method: the Alternate Request Syntax must be sent as POST")
    if method not in ALTERNATE_METHODS:
        raise InvalidInput(f"method: {query['method']!r} is not GET, HEAD, PUT or POST")
    if set(query) != {"method"}:
        extra = sorted(set(query) - {"method"})[0]
        raise InvalidInput(f"{extra}: with ?method= every parameter goes in the form body")
    content_type = (header(event.get("headers"), "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise InvalidInput(
            "Content-Type: the Alternate Request Syntax needs application/x-www-form-urlencoded"
        )
    form = _form(event)
    carried = {_HEADER_FIELDS[k.lower()]: v for k, v in form.items() if k.lower() in _HEADER_FIELDS}
    params = {k: v for k, v in form.items() if k.lower() not in _HEADER_FIELDS and k != "content"}
    # the form's headers replace the request's own (the form's Content-Type is the content's)
    headers = {
        k: v
        for k, v in (event.get("headers") or {}).items()
        if k.lower() not in (*(c.lower() for c in carried), "content-type", "content-length")
    }
    headers.update(carried)
    headers.setdefault("Content-Type", "application/json")
    content = form.get("content")
    rewritten = {
        **event,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": params or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in params.items()} or None,
        "body": content,
        "isBase64Encoded": False,
        "requestContext": {**(event.get("requestContext") or {}), ALTERNATE_KEY: method},
    }
    return rewritten


def _form(event: Mapping[str, Any]) -> dict[str, str]:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput("body: not a valid form") from exc
    try:
        pairs = parse_qsl(str(body), keep_blank_values=True, strict_parsing=bool(body))
    except ValueError:
        raise InvalidInput("body: not a valid application/x-www-form-urlencoded form") from None
    return dict(pairs)


def intended_method(event: Mapping[str, Any]) -> str:
    return str((event.get("requestContext") or {}).get(ALTERNATE_KEY) or event.get("httpMethod") or "POST")
