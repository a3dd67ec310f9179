"""The collector's HTTP edge: start bodies as RAGE accepted them, compact JSON, and CORS as A2 did.

Trackers parse the start answer with regexes such as `"authToken":"(.+?)"`, so success bodies are
compact JSON (no spaces) in the original key order, and exactly 200.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackhub.api.guards import raw_body
from trackhub.config import collector_settings
from trackhub.errors import InvalidInput

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

# A2's CORS (app.js): any origin; the headers browser trackers send, Authorization included.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Origin, X-Requested-With, Content-Type, Accept, Authorization",
    "Access-Control-Allow-Methods": "OPTIONS, GET, POST, PUT, DELETE",
}


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def compact(body: Any, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
    )


def home_page(event: Mapping[str, Any]) -> str:
    """The actors' account.homePage and the objectId base: configured, else this API's own origin."""
    configured = collector_settings().COLLECTOR_HOME_PAGE
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    headers = event.get("headers") or {}
    host = header(headers, "host") or "localhost"
    proto = (header(headers, "x-forwarded-proto") or "https").split(",")[0].strip()
    return f"{proto}://{host}/"


def anonymous_id(event: Mapping[str, Any]) -> str | None:
    """The `anonymous` value of a start body when truthy, else None (a new anonymous player).

    Absent or empty bodies, `{}`, an empty form, `{"anonymous":""}` all mean a new player. JSON is
    read whatever the content type (trackers differ); a form body is read as a form.
    """
    body = raw_body(event)
    if not body.strip():
        return None
    content_type = (header(event.get("headers"), "content-type") or "").lower()
    if "application/x-www-form-urlencoded" in content_type:
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise InvalidInput("Request body is not UTF-8") from None
        value: Any = form.get("anonymous", [""])[-1]
    elif "multipart/" in content_type:
        return None  # body-parser ignores multipart: RAGE saw an empty body
    else:
        try:
            parsed = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise InvalidInput("Malformed JSON body") from None
        if isinstance(parsed, list):
            return None
        if not isinstance(parsed, dict):
            raise InvalidInput('Malformed JSON body: expected an object such as {"anonymous": "<playerId>"}')
        value = parsed.get("anonymous")
    if value is None or value is False or value == "" or value == 0:
        return None
    if not isinstance(value, str):
        raise InvalidInput("anonymous: must be a string, the playerId of a previous anonymous session")
    if len(value) > 256:
        raise InvalidInput("anonymous: longer than any playerId")
    return value


def preflight() -> Response[str]:
    """A2 answered OPTIONS with 200 and an empty body (the headers come from `with_cors`)."""
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")


def with_cors(handler: LambdaHandler) -> LambdaHandler:
    """Add A2's CORS headers to every answer of the collector, errors included."""

    def wrapped(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        result = handler(event, context)
        result["headers"] = {**(result.get("headers") or {}), **CORS_HEADERS}
        if result.get("multiValueHeaders"):
            result["multiValueHeaders"] = {
                **result["multiValueHeaders"],
                **{k: [v] for k, v in CORS_HEADERS.items()},
            }
        return result

    return wrapped
