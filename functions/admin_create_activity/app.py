"""POST /admin/accounts/{accountId}/pathways/{pathwayId}/activities: add a web activity to a pathway."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webtracking import service
from trackhub.webtracking.api_models.activities import ActivityOut, CreateActivityRequest

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/pathways/<pathwayId>/activities",
    summary="Create a web activity",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_activity(accountId: str, pathwayId: str, body: CreateActivityRequest) -> Response[ActivityOut]:
    activity = service.create_activity(accountId, pathwayId, body.ID, body.name, body.url)
    return Response(201, content_types.APPLICATION_JSON, ActivityOut.of(activity))


lambda_handler = lambda_entry(app, public=True)
