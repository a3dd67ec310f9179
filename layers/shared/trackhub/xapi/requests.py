"""What the xAPI functions share around their one service call: reading a statement body (JSON or
multipart/mixed with attachments), rendering reads and writes, and the handler wrappers that put
`X-Experience-API-Version` on every response and apply the Alternate Request Syntax."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackhub.api.dialects import Dialect
from trackhub.api.guards import raw_body
from trackhub.api.resolver import LambdaHandler, error_response
from trackhub.errors import HubError, InvalidInput
from trackhub.xapi import attachments
from trackhub.xapi.http import alternate_syntax, consistent_through, header, xapi_headers
from trackhub.xapi.models import XAPI_VERSION
from trackhub.xapi.service import ReadAnswer


def statement_body(event: Mapping[str, Any]) -> tuple[object, dict[str, bytes]]:
    """The statement JSON of a write and its attachment parts (none unless multipart/mixed)."""
    content_type = header(event.get("headers"), "content-type") or "application/json"
    body = raw_body(event)
    # Any multipart type goes to the attachments parser: it takes multipart/mixed and refuses the
    # rest (multipart/form-data is a 400 in xAPI, even around a JSON body).
    if content_type.strip().lower().startswith("multipart/"):
        return attachments.parse_request(body, content_type)
    if not body.strip():
        raise InvalidInput("body: a statement (or an array of statements) is required")
    try:
        return json.loads(body), {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"body: malformed JSON ({exc})") from None


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def read_response(account_id: str, answer: ReadAnswer, *, head: bool = False) -> Response[Any]:
    headers = xapi_headers(last_modified=answer.last_modified, consistent=True)
    text = compact(answer.body)
    if answer.attachments:
        body, content_type = attachments.response(account_id, text, answer.statements)
        # Base64 here, not as bytes: the resolver's response validation would decode bytes as UTF-8.
        encoded = "" if head else base64.b64encode(body).decode()
        multipart_response = Response(200, content_type, encoded, headers)
        multipart_response.base64_encoded = not head
        return multipart_response
    return Response(200, content_types.APPLICATION_JSON, "" if head else text, headers)


def no_content() -> Response[str]:
    return Response(204, None, "", xapi_headers())


def with_version(handler: LambdaHandler, *, reads: bool = False) -> LambdaHandler:
    """Every response (errors and the guards' answers too) names the xAPI version; with `reads`
    every response also carries X-Experience-API-Consistent-Through (xAPI: on all GET responses;
    clients poll it, also while they get 404s)."""

    def wrapped(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        result = handler(event, context)
        extra = {"X-Experience-API-Version": XAPI_VERSION}
        if reads or _carried_read(event):
            extra["X-Experience-API-Consistent-Through"] = consistent_through()
        result["headers"] = {**(result.get("headers") or {}), **extra}
        if result.get("multiValueHeaders"):
            for name in extra:
                result["multiValueHeaders"].pop(name, None)
        return result

    return wrapped


def _carried_read(event: Mapping[str, Any]) -> bool:
    """Whether an Alternate Request Syntax request carries a GET or HEAD."""
    query = event.get("queryStringParameters") or {}
    return str(query.get("method") or "").upper() in ("GET", "HEAD")


def with_alternate_syntax(handler: LambdaHandler, dialect: Dialect = Dialect.HUB) -> LambdaHandler:
    """Rewrite `POST ?method=...` form requests into the request they carry, before auth."""

    def wrapped(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            event = alternate_syntax(event)
        except HubError as error:
            response = error_response(dialect, error)
            return {
                "statusCode": response.status_code,
                "headers": {"Content-Type": content_types.APPLICATION_JSON},
                "body": response.body,
                "isBase64Encoded": False,
            }
        return handler(event, context)

    return wrapped
