"""DELETE /events/{eventId} (alias DELETE /api/events/{id}): the owning program removes an event; 204."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.events import service

app = make_resolver(validation=False)

_RESPONSES: dict[int, OpenAPIResponse] = {
    204: {"description": "Deleted: gone from GET and from the feed."},
    403: {"description": "The key may read the program but not publish to it."},
    404: {"description": "No such event, or the key has no right at all on its program."},
}


def _delete(principal: Principal, event_id: str) -> Response[None]:
    service.delete_as(principal, event_id)
    return Response(status_code=204)


@app.delete(
    "/events/<eventId>", summary="Delete an event", security=BASIC_AUTH, tags=["events"], responses=_RESPONSES
)
def delete_event(principal: Annotated[Principal, Depends(current_principal)], eventId: str) -> Response[None]:
    return _delete(principal, eventId)


# The Learning Hub path; `{id}` because API Gateway allows one variable name per path level and
# GET /api/events/{id} (the program feed) shares this level.
@app.delete(
    "/api/events/<id>",
    summary="Delete an event (Learning Hub path)",
    security=BASIC_AUTH,
    responses=_RESPONSES,
)
def delete_event_alias(
    principal: Annotated[Principal, Depends(current_principal)], id: str
) -> Response[None]:
    return _delete(principal, id)


lambda_handler = lambda_entry(app)
