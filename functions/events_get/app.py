"""GET /events/{eventId}: one event's full record, for its program's owner or a subscriber."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.events import service
from trackhub.events.api_models.read import EventOut

app = make_resolver(validation=False)


@app.get(
    "/events/<eventId>",
    summary="Get an event",
    security=BASIC_AUTH,
    tags=["events"],
    responses={404: {"description": "No such event, or the key has no right at all on its program."}},
)
def get_event(principal: Annotated[Principal, Depends(current_principal)], eventId: str) -> EventOut:
    return EventOut.of(service.get_as(principal, eventId))


lambda_handler = lambda_entry(app)
