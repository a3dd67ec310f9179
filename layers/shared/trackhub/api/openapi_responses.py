"""What every route may answer, added to the OpenAPI document where a route does not say it itself.

Powertools documents a route's return annotation as its success response and a 422 it never sends
(validation errors are 400s here). Every request also passes the guards (400, 413), may meet an
outage (503), and a route with credentials may refuse them (401, 403). A route keeps what it declares;
this module only fills in the rest, in its dialect's error shape, so the document matches the wire
(`make fuzz` checks it with schemathesis: docs/fuzzing.md).
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from trackhub.api.dialects import Dialect

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Route
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

JSON = "application/json"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
VALIDATION_STATUS = "422"  # Powertools' default; RequestValidationError is rendered as a 400 instead

ERROR_SCHEMAS: dict[Dialect, dict[str, Any]] = {
    Dialect.HUB: {
        "type": "object",
        "required": ["message", "code"],
        "properties": {
            "message": {"type": "string"},
            "code": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object"}},
        },
    },
    Dialect.FALKOR: {
        "type": "object",
        "required": ["status", "message"],
        "properties": {"status": {"type": "string", "enum": ["error"]}, "message": {"type": "string"}},
    },
    Dialect.RAGE: {  # {"message": ...} plus the error's own fields
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string"}},
    },
}

# Components of the document, referred to by name (else every operation repeats them).
ERROR_COMPONENTS: dict[Dialect, str] = {
    Dialect.HUB: "HubError",
    Dialect.FALKOR: "FalkorError",
    Dialect.RAGE: "RageError",
}

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid input (malformed or too deeply nested JSON, a field out of range); the field is named.",
    401: "Missing or invalid credentials.",
    403: "The credentials do not grant this operation.",
    404: "Not found (or not visible to these credentials).",
    409: "Conflicts with what exists (a duplicate id, a revoked account).",
    413: "Request body over the size limit.",
    503: "A dependency is unavailable or busy; retry after Retry-After seconds.",
}


def _error_content(dialect: Dialect) -> dict[str, Any]:
    return {JSON: {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENTS[dialect]}"}}}


def _returns_nothing(route: Route) -> bool:
    """Whether the handler's declared return is None or Response[None] (an empty body)."""
    try:
        returned = typing.get_type_hints(route.func).get("return")
    except (NameError, TypeError):  # an annotation that cannot be resolved: keep Powertools' view
        return False
    if returned is type(None):
        return True
    return typing.get_args(returned) == (type(None),)


def _returns_raw_text(route: Route) -> bool:
    """Response[str] / Response[bytes]: the handler renders its body itself (JSON, not a string)."""
    try:
        returned = typing.get_type_hints(route.func).get("return")
    except (NameError, TypeError):
        return False
    return typing.get_origin(returned) is not None and typing.get_args(returned) in ((str,), (bytes,))


def _error_statuses(route: Route, dialect: Dialect) -> set[int]:
    statuses = {400, 413, 503}  # the guards run on every request; any store may be unavailable
    if route.security or dialect is Dialect.RAGE:  # RAGE routes check their own authToken / JWT
        statuses |= {401, 403}
    # A path parameter or a written body names something that may not exist, already exist, or
    # belong to a revoked account.
    if "{" in route.openapi_path or route.method in WRITES:
        statuses |= {404, 409}
    return statuses


def complete_route(route: Route, dialect: Dialect) -> None:
    """Fill in the responses `route` does not declare (idempotent)."""
    declared: dict[int, Any] = dict(route.responses or {})
    success = route.status_code
    if route.method == "OPTIONS":  # CORS preflight: an empty 200
        declared.setdefault(200, {"description": "CORS preflight", "content": {}})
    elif declared and not any(200 <= code < 300 for code in declared):
        declared[success] = {"description": route.response_description or "Successful Response"}
    for code, response in list(declared.items()):
        if code >= 400 and "content" not in response:  # else Powertools documents the return model
            declared[code] = {**response, "content": _error_content(dialect)}
        elif code < 400 and "content" not in response and _returns_nothing(route):
            declared[code] = {**response, "content": {}}
    if not declared:  # nothing declared: Powertools adds the success response from the return type
        declared[success] = {"description": route.response_description or "Successful Response"}
        if _returns_nothing(route):
            declared[success]["content"] = {}
    if _returns_raw_text(route):
        for code in [code for code in declared if code < 400 and "content" not in declared[code]]:
            declared[code] = {**declared[code], "content": {JSON: {"schema": {}}}}
    for code in _error_statuses(route, dialect) - set(declared):
        declared[code] = {
            "description": ERROR_DESCRIPTIONS[code],
            "content": _error_content(dialect),
        }
    route.responses = declared


def finish_document(document: OpenAPI, dialect: Dialect) -> None:
    """Declare the dialect's error component; remove Powertools' 422, which no route answers."""
    from aws_lambda_powertools.event_handler.openapi.models import Components, Schema

    if document.components is None:
        document.components = Components()
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas[ERROR_COMPONENTS[dialect]] = Schema.model_validate(ERROR_SCHEMAS[dialect])
    _drop_validation_responses(document)


def _drop_validation_responses(document: OpenAPI) -> None:
    for path_item in (document.paths or {}).values():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation = getattr(path_item, method, None)
            if operation is not None and operation.responses:
                operation.responses.pop(VALIDATION_STATUS, None)
                operation.responses.pop(int(VALIDATION_STATUS), None)
    schemas = document.components.schemas if document.components else None
    if schemas is not None:
        schemas.pop("HTTPValidationError", None)  # ValidationError stays: ResponseValidationError uses it
