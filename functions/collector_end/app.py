"""POST /api/collector/end (and /api/proxy/gleaner/collector/end): end the session of an authToken."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response

from trackhub.api.dialects import Dialect
from trackhub.api.resolver import lambda_entry, make_resolver
from trackhub.collector import http, service
from trackhub.collector.http import compact, header, with_cors

app = make_resolver(Dialect.RAGE, validation=False)


def _end() -> Response[str]:
    return compact(service.end(header(app.current_event.raw_event.get("headers"), "authorization")))


@app.post("/api/proxy/gleaner/collector/end", summary="End a session (A2 path)", tags=["collector"])
def end_proxied() -> Response[str]:
    return _end()


@app.post("/api/collector/end", summary="End a tracking session", tags=["collector"])
def end() -> Response[str]:
    return _end()


@app.route(
    "/api/proxy/gleaner/collector/end",
    method="OPTIONS",
    summary="CORS preflight (A2 path)",
    tags=["collector"],
)
@app.route("/api/collector/end", method="OPTIONS", summary="CORS preflight", tags=["collector"])
def preflight() -> Response[str]:
    return http.preflight()


lambda_handler = with_cors(lambda_entry(app, public=True))
