"""POST /api/collector/track (and /api/proxy/gleaner/collector/track): a JSON array of xAPI statements.

`Authorization: <authToken>` (or `Bearer <authToken>`); 200 `{"message":"Success."}` once every
statement is stored; all or nothing.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response

from trackhub.api.dialects import Dialect
from trackhub.api.resolver import lambda_entry, make_resolver
from trackhub.collector import http, service
from trackhub.collector.http import compact, header, home_page, with_cors

app = make_resolver(Dialect.RAGE, validation=False)


def _track() -> Response[str]:
    event = app.current_event.raw_event
    body = app.current_event.json_body if (event.get("body") or "").strip() else None
    return compact(
        service.track(header(event.get("headers"), "authorization"), body, home_page=home_page(event))
    )


@app.post("/api/proxy/gleaner/collector/track", summary="Send statements (A2 path)", tags=["collector"])
def track_proxied() -> Response[str]:
    return _track()


@app.post("/api/collector/track", summary="Send xAPI statements of a session", tags=["collector"])
def track() -> Response[str]:
    return _track()


@app.route(
    "/api/proxy/gleaner/collector/track",
    method="OPTIONS",
    summary="CORS preflight (A2 path)",
    tags=["collector"],
)
@app.route("/api/collector/track", method="OPTIONS", summary="CORS preflight", tags=["collector"])
def preflight() -> Response[str]:
    return http.preflight()


lambda_handler = with_cors(lambda_entry(app, public=True))
