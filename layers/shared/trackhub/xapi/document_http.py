"""What the Document, Activities and Agents functions share around their one service call: the
request's document body and concurrency headers, and the responses. (Their handlers pass
`declared_json_only` to lambda_entry: a document of any type reaches them; only declared JSON is
checked as JSON by the request guard.)"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.guards import raw_body
from trackhub.auth.principal import Principal
from trackhub.xapi import documents
from trackhub.xapi.document_store import Document
from trackhub.xapi.documents import Kind, Listing, Preconditions
from trackhub.xapi.http import check_version, header, http_date, xapi_headers
from trackhub.xapi.requests import compact


def document_body(event: Mapping[str, Any]) -> tuple[bytes, str | None]:
    """The document's bytes as sent and its declared Content-Type (None when none was sent)."""
    return raw_body(event), (header(event.get("headers"), "content-type") or None)


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
