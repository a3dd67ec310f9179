"""The REST API on 127.0.0.1: API Gateway's routing, limits and answers in front of the workers.

One thread per connection (HTTP/1.1, keep-alive, Content-Length framing), so concurrent requests reach
the invoker concurrently. Besides the template's routes it serves GET /openapi.json (the merged
document, produced out of process so the domain package never loads here) and GET /swagger.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from trackhub_local.http_server import KeepAliveServer, NoDelayHandler
from trackhub_local.proxy import (
    MAX_REQUEST_BYTES,
    GatewayIdentity,
    HttpRequest,
    HttpResponse,
    MalformedProxyResponse,
    build_event,
    forwarded_headers,
    gateway_error,
    parse_result,
)
from trackhub_local.routes import RouteTable
from trackhub_local.template import ApiSpec, Template
from trackhub_local.workers import InvocationResult

log = logging.getLogger(__name__)

SWAGGER_UI_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
SWAGGER_HTML = f"""<!DOCTYPE html>
<html>
<head>
  <meta charset="UTF-8">
  <title>trackhub - Swagger UI</title>
  <link rel="stylesheet" href="{SWAGGER_UI_CDN}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{SWAGGER_UI_CDN}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true}});
  </script>
</body>
</html>
"""


class Invokes(Protocol):
    def invoke(self, function_logical_id: str, event: Any) -> InvocationResult: ...


class _TooLarge(Exception):
    pass


# A too-large body up to this size is read and dropped before answering 413; beyond, the connection closes.
_DRAIN_LIMIT = 64 * 1024 * 1024


class Gateway:
    """Routes HTTP requests to functions as API Gateway (REST, Lambda proxy integration) would."""

    def __init__(
        self,
        template: Template,
        invoker: Invokes,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        openapi: Callable[[], bytes] | None = None,
    ) -> None:
        self.template = template
        self.invoker = invoker
        self.routes = RouteTable.from_template(template)
        self.openapi = openapi
        self._api_counts: dict[str, int] = {}
        for methods in self.routes.resources.values():
            for route in methods.values():
                self._api_counts[route.api] = self._api_counts.get(route.api, 0) + 1
        self.host = host
        self._server = _Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    # -- request handling (pure enough to test without sockets)

    def _api(self, logical_id: str | None) -> ApiSpec | None:
        if logical_id is None:  # no route matched: answer as the template's main API would
            logical_id = max(self._api_counts, key=lambda api: self._api_counts[api], default=None)
        return self.template.apis.get(logical_id) if logical_id else None

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        try:
            response = self._route(request, request_id)
        except Exception:  # e.g. the invoker closing under a request while the stack stops
            log.exception("request %s %s failed in the gateway", request.method, request.path)
            response = gateway_error("LAMBDA_ERROR", self._api(None), request_id)
        extra = [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", request_id[:8].upper() + "=")]
        return HttpResponse(response.status, [*response.headers, *extra], response.body)

    def too_large(self) -> HttpResponse:
        request_id = str(uuid.uuid4())
        response = gateway_error("REQUEST_TOO_LARGE", self._api(None), request_id)
        return HttpResponse(
            response.status, [*response.headers, ("x-amzn-RequestId", request_id)], response.body
        )

    def _route(self, request: HttpRequest, request_id: str) -> HttpResponse:
        match = self.routes.match(request.method, request.path)
        if match is not None and request.method == "OPTIONS":
            api = self._api(next(iter(self.routes.resources[match.resource].values())).api)
            explicit = "OPTIONS" in self.routes.resources[match.resource]
            if api is not None and api.cors is not None and not explicit:
                return self._preflight(api, match.resource)
        if match is None and request.method in ("GET", "HEAD"):
            local = self._local_page(request.path)
            if local is not None:
                return local
        if match is None or match.route is None:
            return gateway_error("MISSING_AUTHENTICATION_TOKEN", self._api(None), request_id)
        route = match.route
        api = self._api(route.api)
        gateway = GatewayIdentity(
            account_id=self.template.account_id,
            api_id=f"local{route.api.lower()}"[:10],
            stage=api.stage_name if api else "Prod",
            extra_headers=forwarded_headers(request, self.port),
        )
        event = build_event(
            request,
            match,
            gateway,
            iam_auth=route.iam_auth,
            binary_media_types=api.binary_media_types if api else (),
            request_id=request_id,
        )
        result = self.invoker.invoke(route.function, event)
        if result.timed_out:
            return gateway_error("INTEGRATION_TIMEOUT", api, request_id)
        if not result.ok:
            return gateway_error("LAMBDA_ERROR", api, request_id)
        try:
            return parse_result(result.payload)
        except MalformedProxyResponse as exc:
            log.warning("%s returned a malformed proxy response: %s", route.function, exc)
            return gateway_error("LAMBDA_ERROR", api, request_id)

    def _preflight(self, api: ApiSpec, resource: str) -> HttpResponse:
        cors = api.cors
        assert cors is not None
        headers = [
            ("Access-Control-Allow-Origin", cors.allow_origin),
            ("Access-Control-Allow-Methods", cors.allow_methods or ",".join(self.routes.methods(resource))),
        ]
        if cors.allow_headers:
            headers.append(("Access-Control-Allow-Headers", cors.allow_headers))
        if cors.max_age:
            headers.append(("Access-Control-Max-Age", cors.max_age))
        if cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        # SAM answers preflight with a MOCK integration: 200, empty body.
        return HttpResponse(200, [*headers, ("Content-Type", "application/json")], b"")

    def _local_page(self, path: str) -> HttpResponse | None:
        if path == "/openapi.json":
            if self.openapi is None:
                return None
            try:
                document = self.openapi()
            except Exception as exc:
                log.error("could not build the OpenAPI document: %s", exc)
                body = b'{"message": "OpenAPI document unavailable; see the stack log"}'
                return HttpResponse(500, [("Content-Type", "application/json")], body)
            return HttpResponse(200, [("Content-Type", "application/json")], document)
        if path in ("/swagger", "/swagger/"):
            return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], SWAGGER_HTML.encode())
        return None


class _Server(KeepAliveServer):
    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], gateway: Gateway
    ) -> None:
        self.gateway = gateway
        super().__init__(address, handler)


class _Handler(NoDelayHandler):
    server_version = "trackhub-local"
    server: _Server

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except _TooLarge:
            self.close_connection = True  # the rest of the body is never read
            self._send(self.server.gateway.too_large())
            return
        except ValueError:
            self.close_connection = True
            self.send_error(400, "Bad request body framing")
            return
        request = HttpRequest(
            method=self.command,
            path=path or "/",
            query=query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        self._send(self.server.gateway.handle(request))

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > MAX_REQUEST_BYTES:
            if length <= _DRAIN_LIMIT:  # read it away so the client, still sending, sees the 413
                remaining = length
                while remaining > 0:
                    read = len(self.rfile.read(min(remaining, 1 << 20)))
                    if not read:
                        break
                    remaining -= read
            raise _TooLarge
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline(1024).split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_REQUEST_BYTES:
                raise _TooLarge
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, response: HttpResponse) -> None:
        self.log_request(response.status)
        reason = self.responses.get(response.status, ("",))[0]
        head = [
            f"{self.protocol_version} {response.status} {reason}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            *(f"{name}: {value}" for name, value in response.headers),
            f"Content-Length: {len(response.body)}",
        ]
        if self.close_connection:
            head.append("Connection: close")
        # The whole answer in one send: a thread gives up the GIL on every socket call and waits to
        # get it back while other threads of the stack (moto, pollers) run.
        answer = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(answer if self.command == "HEAD" else answer + response.body)

    def version_string(self) -> str:
        return self.server_version

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def __getattr__(self, name: str) -> Any:
        # API Gateway routes every method (TRACE, QUERY...): one no route takes gets the gateway's
        # missing-route answer, never http.server's 501 (found by `make fuzz`, docs/fuzzing.md).
        if name.startswith("do_") and name[3:].isalpha() and name[3:].isupper():
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)
