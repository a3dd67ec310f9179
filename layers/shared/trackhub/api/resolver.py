"""One resolver configuration for every function: validation, guards, auth and error mapping.

A handler module does:

    app = make_resolver(Dialect.HUB)

    @app.get("/v1/whoami")
    def whoami(principal: Annotated[Principal, Depends(current_principal)]) -> WhoAmIOut: ...

    lambda_handler = lambda_entry(app)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Request, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackhub.api.dialects import Dialect, error_body, error_headers
from trackhub.api.guards import check_request
from trackhub.auth.principal import Principal
from trackhub.errors import HubError, InvalidInput, NotFound
from trackhub.observability import logger, metrics, tracer

if TYPE_CHECKING:
    # Powertools' OpenAPI models take about a third of a handler's init to import; no request needs
    # them, only the OpenAPI document does (see HubResolver.get_openapi_schema).
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI, SecurityScheme

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

BASIC_AUTH: list[dict[str, list[str]]] = [{"basicAuth": []}]
SIGV4_AUTH: list[dict[str, list[str]]] = [{"sigv4": []}]


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_error(exc: RequestValidationError) -> InvalidInput:
    details = [
        {"field": _field(err.get("loc", ())), "problem": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])
    return InvalidInput(f"Invalid request: {summary}", details=details)


def error_response(dialect: Dialect, error: HubError) -> Response[str]:
    if error.status >= 500:
        logger.warning("dependency failure", extra={"error": error.message})
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body(dialect, error), separators=(",", ":")),
        headers=error_headers(error),
    )


def security_schemes() -> dict[str, SecurityScheme]:
    """Basic userId:apiKey for the public dialects; SigV4 (API Gateway AWS_IAM) for /admin."""
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBase

    return {
        "basicAuth": HTTPBase(scheme="basic"),
        "sigv4": APIKey(
            in_=APIKeyIn.header,
            name="Authorization",
            openapi_extensions={"x-amazon-apigateway-authtype": "awsSigv4"},
        ),
    }


class HubResolver(APIGatewayRestResolver):
    """A REST resolver that knows which dialect's error shape its function speaks."""

    def __init__(self, dialect: Dialect, *, validation: bool = True) -> None:
        super().__init__(enable_validation=validation)
        self.dialect = dialect

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPI:
        # Routes name these schemes in `security=`; a resolver must declare them to build its schema.
        # Declared here, when a document is built, rather than at init (a cold start pays for init).
        if not self.openapi_config.security_schemes:
            self.configure_openapi(title="trackhub", security_schemes=security_schemes())
        from trackhub.api.openapi_responses import complete_route, finish_document

        for route in self._static_routes + self._dynamic_routes:  # what each route may answer
            complete_route(route, self.dialect)
        document = super().get_openapi_schema(*args, **kwargs)
        finish_document(document, self.dialect)
        return document


def make_resolver(dialect: Dialect = Dialect.HUB, *, validation: bool = True) -> HubResolver:
    """`validation=False` is for functions whose routes declare no body or query model: GET/DELETE
    routes taking path strings, the RAGE collector and the xAPI routes (which read the raw event).
    Powertools then skips its validation middlewares, whose modules and setup are ~15 ms of a cold
    start (docs/performance.md, "fifth round"). Path parameters still arrive as strings, `Depends()`
    parameters are still resolved, and a returned model is still written as JSON (Powertools' encoder
    dumps it, `model_dump(mode="json")`), only not validated again against the route's annotation."""
    app = HubResolver(dialect, validation=validation)

    @app.exception_handler(HubError)  # type: ignore[untyped-decorator]
    def _hub_error(exc: HubError) -> Response[str]:
        return error_response(dialect, exc)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(exc: RequestValidationError) -> Response[str]:
        return error_response(dialect, validation_error(exc))

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return error_response(dialect, NotFound("Not found"))

    return app


def current_principal(request: Request) -> Principal:
    """Depends() target: the principal lambda_entry authenticated before routing."""
    principal = request.context.get("principal")
    if not isinstance(principal, Principal):  # a route declared it on a public function
        raise RuntimeError("current_principal used on a function built with lambda_entry(public=True)")
    return principal


def _rendered(dialect: Dialect, error: HubError) -> dict[str, Any]:
    response = error_response(dialect, error)
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **error_headers(error)},
        "body": response.body,
        "isBase64Encoded": False,
    }


def lambda_entry(
    app: HubResolver,
    *,
    public: bool = False,
    json_bodies: bool = True,
    declared_json_only: bool = False,
    authenticator: Callable[[str | None], Principal] | None = None,
) -> LambdaHandler:
    """Wrap a resolver as the Lambda handler: observability, guards, then Basic auth unless public.

    `json_bodies=False` is for the few endpoints that take form or binary bodies; with
    `declared_json_only` too (xAPI documents), only a body declared JSON is checked as JSON. `authenticator`
    defaults to trackhub.auth.authorize.authenticate, imported here only for functions that use it
    (it brings the tenancy repository): a public function's cold start does not load it.
    """
    if authenticator is None and not public:
        from trackhub.auth.authorize import authenticate

        authenticator = authenticate

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            check_request(event, json_bodies=json_bodies, declared_json_only=declared_json_only)
            if authenticator is not None and not public:
                headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
                principal = authenticator(headers.get("authorization"))
                app.append_context(principal=principal)  # type: ignore[no-untyped-call]
        except HubError as error:
            return _rendered(app.dialect, error)
        return app.resolve(event, context)

    return handler
