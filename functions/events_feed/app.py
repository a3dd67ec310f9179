"""GET /events?program=&since=&type=&participant=&limit=&cursor=: a page of a program's feed, oldest first."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.events import service
from trackhub.events.api_models.read import FeedOut, feed_query
from trackhub.events.cursor import MAX_CURSOR_CHARS
from trackhub.events.models import DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT

app = make_resolver()


@app.get("/events", summary="Read a program's event feed", security=BASIC_AUTH, tags=["events"])
def feed(
    principal: Annotated[Principal, Depends(current_principal)],
    program: Annotated[str, Query(description="The publishing program.", max_length=25)],
    since: Annotated[
        str | None, Query(description="CreatedUtc lower bound (ISO-8601 with Z).", max_length=64)
    ] = None,
    event_type: Annotated[str | None, Query(alias="type", min_length=1, max_length=50)] = None,
    participant: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FEED_LIMIT)] = DEFAULT_FEED_LIMIT,
    cursor: Annotated[
        str | None, Query(description="From the previous page.", max_length=MAX_CURSOR_CHARS)
    ] = None,
) -> FeedOut:
    query = feed_query(
        program,
        field="program",
        since=since,
        event_type=event_type,
        participant=participant,
        limit=limit,
        cursor_token=cursor,
    )
    return FeedOut.of(service.read_feed_as(principal, query))


lambda_handler = lambda_entry(app)
