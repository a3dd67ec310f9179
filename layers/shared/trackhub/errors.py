"""Typed domain errors. Only the HTTP edge (trackhub.api) turns them into status codes and bodies."""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Base of every error the hub reports to a caller on purpose."""

    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.fields = fields or {}  # extra top-level body fields a dialect's original sent (A2's 401)


class InvalidInput(HubError):
    """The request is malformed or a field is invalid; the message names the field."""

    status = 400
    code = "invalid_input"


class Unauthenticated(HubError):
    """Credentials are missing, malformed, unknown, wrong or revoked."""

    status = 401
    code = "unauthenticated"


class Forbidden(HubError):
    """Valid credentials that lack the right for this operation."""

    status = 403
    code = "forbidden"


class NotFound(HubError):
    status = 404
    code = "not_found"


class Conflict(HubError):
    status = 409
    code = "conflict"


class PreconditionFailed(HubError):
    status = 412
    code = "precondition_failed"


class PayloadTooLarge(HubError):
    status = 413
    code = "payload_too_large"


class DependencyUnavailable(HubError):
    """A dependency (table, queue) is unreachable or throttled beyond retries: safe to retry later."""

    status = 503
    code = "unavailable"
