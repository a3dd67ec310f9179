"""GET /health: 200 when every table this function watches is reachable, 503 otherwise."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import lambda_entry, make_resolver
from trackhub.health import service
from trackhub.health.service import HealthReport

app = make_resolver(validation=False)


@app.get(
    "/health",
    summary="Health of the hub's dependencies",
    responses={
        200: {"description": "Every dependency is reachable."},
        503: {
            "description": "A dependency is unreachable (the report names it).",
            "content": {content_types.APPLICATION_JSON: {"model": HealthReport}},
        },
    },
)
def health() -> Response[HealthReport]:
    report = service.check()
    return Response(
        status_code=200 if report.healthy else 503,
        content_type=content_types.APPLICATION_JSON,
        body=report,
        headers={"Cache-Control": "no-store"},
    )


lambda_handler = lambda_entry(app, public=True)
