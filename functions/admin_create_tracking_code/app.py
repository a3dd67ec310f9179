"""POST /admin/accounts/{accountId}/tracking-codes: create a collector tracking code (game or activity)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.collector import admin
from trackhub.collector.api_models import CreateTrackingCodeRequest, TrackingCodeOut

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/tracking-codes",
    summary="Create a tracking code",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_tracking_code(accountId: str, body: CreateTrackingCodeRequest) -> Response[TrackingCodeOut]:
    code = admin.create_code(accountId, body)
    return Response(201, content_types.APPLICATION_JSON, TrackingCodeOut.of(code))


lambda_handler = lambda_entry(app, public=True)
