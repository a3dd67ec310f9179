"""POST /api/collector/start/{trackingCode} (and the A2 path /api/proxy/gleaner/collector/start/...).

RAGE dialect: 200 with the compact start object; a Bearer JWT identifies the player, a body
`{"anonymous": "<playerId>"}` resumes one, anything else starts a new anonymous player.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from trackhub.api.dialects import Dialect
from trackhub.api.resolver import lambda_entry, make_resolver
from trackhub.collector import http, service
from trackhub.collector.http import anonymous_id, compact, header, home_page, with_cors

app = make_resolver(Dialect.RAGE, validation=False)

# RAGE answers a closed tracking code with 412 "Activity is not started" (found by `make fuzz`).
_RESPONSES: dict[int, OpenAPIResponse] = {
    412: {"description": "The tracking code is closed: the activity is not started."}
}


def _start(trackingCode: str) -> Response[str]:
    event = app.current_event.raw_event
    started = service.start(
        trackingCode,
        authorization=header(event.get("headers"), "authorization"),
        anonymous=anonymous_id(event),
        home_page=home_page(event),
    )
    return compact(started)


@app.post(
    "/api/proxy/gleaner/collector/start/<trackingCode>",
    summary="Start a session (A2 path)",
    tags=["collector"],
    responses=_RESPONSES,
)
def start_proxied(trackingCode: str) -> Response[str]:
    return _start(trackingCode)


@app.post(
    "/api/collector/start/<trackingCode>",
    summary="Start a tracking session",
    tags=["collector"],
    responses=_RESPONSES,
)
def start(trackingCode: str) -> Response[str]:
    return _start(trackingCode)


@app.route(
    "/api/proxy/gleaner/collector/start/<trackingCode>",
    method="OPTIONS",
    summary="CORS preflight (A2 path)",
    tags=["collector"],
)
@app.route(
    "/api/collector/start/<trackingCode>", method="OPTIONS", summary="CORS preflight", tags=["collector"]
)
def preflight(trackingCode: str) -> Response[str]:
    return http.preflight()


lambda_handler = with_cors(lambda_entry(app, public=True, json_bodies=False))
