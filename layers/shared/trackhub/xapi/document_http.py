"""What the Document, Activities and Agents functions share around their one service call: the
request's document body and concurrency headers, the responses, and the handler wrapper that lets
any content type through the JSON guard."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackhub.api.guards import raw_body
from trackhub.api.resolver import LambdaHandler
from trackhub.auth.principal import Principal
from trackhub.xapi import documents
from trackhub.xapi.document_store import Document
from trackhub.xapi.documents import DEFAULT_TYPE, Kind, Listing, Preconditions
from trackhub.xapi.http import check_version, header, http_date, xapi_headers
from trackhub.xapi.requests import compact

_TYPE_KEY = "xapiDocumentType"  # requestContext key holding the document's declared Content-Type


def with_document_body(handler: LambdaHandler) -> LambdaHandler:
    """A document may be any content type, but the request guard parses text/plain (and bodies
    without a Content-Type) as JSON. Such a body is relabelled application/octet-stream for the
    guard, its declared type kept in requestContext for the function (the guard still caps size)."""

    def wrapped(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        declared = header(event.get("headers"), "content-type")
        kind = (declared or "").split(";")[0].strip().lower()
        if event.get("body") and (not kind or kind == "text/plain"):
            headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
            headers["Content-Type"] = DEFAULT_TYPE
            event = {
                **event,
                "headers": headers,
                "multiValueHeaders": {k: [v] for k, v in headers.items()},
                "requestContext": {**(event.get("requestContext") or {}), _TYPE_KEY: declared or ""},
            }
        return handler(event, context)

    return wrapped


def document_body(event: Mapping[str, Any]) -> tuple[bytes, str | None]:
    """The document's bytes as sent and its declared Content-Type (None when none was sent)."""
    context = event.get("requestContext") or {}
    declared = context[_TYPE_KEY] if _TYPE_KEY in context else header(event.get("headers"), "content-type")
    return raw_body(event), (declared or None)


def preconditions(event: Mapping[str, Any]) -> Preconditions:
    headers = event.get("headers")
    return Preconditions(header(headers, "if-match"), header(headers, "if-none-match"))


def params(event: Mapping[str, Any]) -> dict[str, str]:
    return dict(event.get("queryStringParameters") or {})


def document_response(answer: Document | Listing, *, head: bool) -> Response[Any]:
    """A document as stored (its Content-Type, ETag, Last-Modified), or the JSON array of ids."""
    if isinstance(answer, Listing):
        return Response(
            200, content_types.APPLICATION_JSON, "" if head else compact(answer.ids), xapi_headers()
        )
    headers = {**xapi_headers(), "ETag": answer.etag, "Last-Modified": http_date(answer.updated)}
    try:
        text, encoded = answer.content.decode("utf-8"), False
    except UnicodeDecodeError:
        # Base64 here, not bytes: the resolver's response validation would decode bytes as UTF-8.
        text, encoded = base64.b64encode(answer.content).decode(), True
    response = Response(200, answer.content_type, "" if head else text, headers)
    response.base64_encoded = encoded and not head
    return response


def json_response(value: Any, *, head: bool) -> Response[Any]:
    return Response(200, content_types.APPLICATION_JSON, "" if head else compact(value), xapi_headers())


def read_request(event: Mapping[str, Any], principal: Principal, kind: Kind, *, head: bool) -> Response[Any]:
    """GET/HEAD of a Document resource: one document, or the ids of the scope."""
    check_version(event.get("headers"))
    return document_response(documents.read(principal, kind, params(event)), head=head)


def store_request(event: Mapping[str, Any], principal: Principal, kind: Kind, *, merge: bool) -> None:
    """PUT (replace) or POST (JSON merge) of a document, with its concurrency headers."""
    check_version(event.get("headers"))
    content, content_type = document_body(event)
    documents.write(principal, kind, params(event), content, content_type, preconditions(event), merge=merge)


def delete_request(event: Mapping[str, Any], principal: Principal, kind: Kind) -> None:
    """DELETE of one document, or of every document of the scope."""
    check_version(event.get("headers"))
    documents.delete(principal, kind, params(event), preconditions(event))
