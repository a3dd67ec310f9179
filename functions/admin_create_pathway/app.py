"""POST /admin/accounts/{accountId}/pathways: create a web tracking pathway (ID generated when omitted)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webtracking import service
from trackhub.webtracking.api_models.pathways import CreatePathwayRequest, PathwayOut

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/pathways",
    summary="Create a pathway",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_pathway(accountId: str, body: CreatePathwayRequest) -> Response[PathwayOut]:
    pathway = service.create_pathway(accountId, body.ID, body.name)
    return Response(201, content_types.APPLICATION_JSON, PathwayOut.of(pathway))


lambda_handler = lambda_entry(app, public=True)
