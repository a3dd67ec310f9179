"""POST /events (alias POST /api/events): publish an event; 201, Location: /events/<EventId>, empty body."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.events import service
from trackhub.events.api_models.publish import PublishEventRequest

app = make_resolver()

_RESPONSES: dict[int, OpenAPIResponse] = {
    201: {"description": "Created; the event is at the Location header. No body."},
    409: {"description": "An event with this EventId already exists (nothing was overwritten)."},
    413: {"description": "PublisherEventData is larger than 256 KiB."},
    503: {"description": "The program is busy (contention) or the store is unavailable; retry."},
}


@app.post(
    "/api/events", summary="Publish an event (Learning Hub path)", security=BASIC_AUTH, responses=_RESPONSES
)
@app.post("/events", summary="Publish an event", security=BASIC_AUTH, responses=_RESPONSES, tags=["events"])
def publish(
    principal: Annotated[Principal, Depends(current_principal)], body: PublishEventRequest
) -> Response[None]:
    stored = service.publish_as(principal, body.to_domain())
    return Response(status_code=201, headers={"Location": f"/events/{stored.event_id}"})


lambda_handler = lambda_entry(app)
