"""The xAPI HTTP conventions every Statements route shares: the version header and `more` IRLs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from trackhub.errors import InvalidInput

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
