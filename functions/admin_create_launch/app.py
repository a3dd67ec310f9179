"""POST /admin/accounts/{accountId}/launches: enrol a user on a web activity (a webToken in its URL)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webtracking import service
from trackhub.webtracking.api_models.launches import CreateLaunchRequest, LaunchOut

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/launches",
    summary="Launch a user on a web activity",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_launch(accountId: str, body: CreateLaunchRequest) -> Response[LaunchOut]:
    user_id, email = body.user()
    launched = service.launch(
        accountId, body.pathwayId, body.activityId, user_id=user_id, email=email, ttl_seconds=body.ttlSeconds
    )
    return Response(
        201, content_types.APPLICATION_JSON, LaunchOut.of(launched), headers={"Cache-Control": "no-store"}
    )


lambda_handler = lambda_entry(app, public=True)
