"""What every xAPI function shares around its one service call: compact JSON, the empty answer, and
the handler wrappers that put `X-Experience-API-Version` on every response and apply the Alternate
Request Syntax. The statement routes' body reading and read answers are in statement_http.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackhub.api.dialects import Dialect
from trackhub.api.resolver import LambdaHandler, error_response
from trackhub.errors import HubError
from trackhub.xapi.http import alternate_syntax, consistent_through, xapi_headers
from trackhub.xapi.models import XAPI_VERSION


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
