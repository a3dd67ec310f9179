"""HTTP around the statement routes: reading a statement body (JSON, or multipart/mixed with
attachments) and rendering a read (JSON, or multipart/mixed when attachments are asked for)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.guards import raw_body
from trackhub.errors import InvalidInput
from trackhub.xapi import attachments
from trackhub.xapi.http import header, xapi_headers
from trackhub.xapi.requests import compact
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
