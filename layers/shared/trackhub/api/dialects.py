"""Each public dialect's error shape, in one place. Domain code raises HubError; this renders it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from trackhub.errors import HubError


class Dialect(StrEnum):
    HUB = "hub"  # Learning Hub event store, admin API, health
    FALKOR = "falkor"  # {"status": "error", "message": ...}
    RAGE = "rage"  # {"message": ...}


WWW_AUTHENTICATE = 'Basic realm="trackhub", charset="UTF-8"'


def error_body(dialect: Dialect, error: HubError) -> dict[str, Any]:
    if dialect is Dialect.FALKOR:
        return {"status": "error", "message": error.message}
    if dialect is Dialect.RAGE:
        return {"message": error.message, **error.fields}
    body: dict[str, Any] = {"message": error.message, "code": error.code}
    if error.details:
        body["details"] = error.details
    return body


def error_headers(error: HubError) -> dict[str, str]:
    if error.status == 401:
        return {"WWW-Authenticate": WWW_AUTHENTICATE}
    if error.status == 503:  # throttling or contention: safe to retry shortly
        return {"Retry-After": "1"}
    return {}
