"""Checks every request passes before routing: size, JSON well-formedness and nesting depth.

They run before Powertools' validation so that an oversize or hostile body is refused without
being validated, and a malformed one gets a 400 on every endpoint, also those without a body model.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from trackhub.config import api_settings
from trackhub.errors import InvalidInput, PayloadTooLarge

_JSON_TYPES = ("application/json", "+json", "text/plain")
_DECLARED_JSON = ("application/json", "+json")


def _header(headers: Mapping[str, Any] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return ""


def raw_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput("Request body is not valid base64") from exc
    return str(body).encode("utf-8")


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON, iteratively (a recursive walk would crash on hostile input)."""
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())
            if isinstance(child, dict | list)
        ]
    return depth


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _declare_json(event: dict[str, Any]) -> None:
    """Label the body as JSON for the router, whatever the client said.

    Real clients of the dialects send JSON under other content types (`curl -d` in Falkor's own
    examples sends application/x-www-form-urlencoded; trackers send text/plain or nothing).
    """
    for key in ("headers", "multiValueHeaders"):
        headers = {k: v for k, v in (event.get(key) or {}).items() if k.lower() != "content-type"}
        headers["Content-Type"] = "application/json" if key == "headers" else ["application/json"]
        event[key] = headers


def check_request(
    event: dict[str, Any], *, json_bodies: bool = True, declared_json_only: bool = False
) -> None:
    """Raise PayloadTooLarge / InvalidInput for a body no endpoint should process.

    With `json_bodies` (every endpoint but those taking forms or binary uploads), any non-empty body
    must be JSON, whatever its declared content type, and is relabelled as JSON for the router.
    Without it, a body declared JSON, text/plain or untyped must still be JSON; with
    `declared_json_only` (xAPI documents: any bytes of any type), only one declared JSON must.
    """
    settings = api_settings()
    body = raw_body(event)
    if len(body) > settings.MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"Request body is {len(body)} bytes; the limit is {settings.MAX_BODY_BYTES} bytes"
        )
    if not body.strip():
        return
    content_type = _header(event.get("headers"), "content-type").lower()
    json_types = _DECLARED_JSON if declared_json_only else _JSON_TYPES
    declared_other = not any(kind in content_type for kind in json_types)
    if not json_bodies and (declared_json_only or content_type) and declared_other:
        return  # a form, binary or document body: the endpoint that accepts it parses it itself
    try:
        parsed = json.loads(body, parse_constant=_no_constants)
    except RecursionError as exc:
        raise InvalidInput(f"JSON body is nested deeper than {settings.MAX_JSON_DEPTH} levels") from exc
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput(f"Malformed JSON body: {exc}") from exc
    if json_depth(parsed) > settings.MAX_JSON_DEPTH:
        raise InvalidInput(f"JSON body is nested deeper than {settings.MAX_JSON_DEPTH} levels")
    if json_bodies and "json" not in content_type:
        _declare_json(event)
