"""GET /api/events/{id}: the Learning Hub path of the feed; a bare JSON array, paging in X-Cursor / X-More."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.events import service
from trackhub.events.api_models.read import EventOut, feed_headers, feed_query
from trackhub.events.cursor import MAX_CURSOR_CHARS
from trackhub.events.models import DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT

app = make_resolver()


# `{id}` is the publishing program; the name is shared with DELETE /api/events/{id} (one variable
# name per path level in API Gateway).
@app.get("/api/events/<id>", summary="List a program's events (Learning Hub path)", security=BASIC_AUTH)
def program_feed(
    principal: Annotated[Principal, Depends(current_principal)],
    id: str,
    since: Annotated[
        str | None, Query(description="CreatedUtc lower bound (ISO-8601 with Z).", max_length=64)
    ] = None,
    event_type: Annotated[str | None, Query(alias="type", min_length=1, max_length=50)] = None,
    participant: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FEED_LIMIT)] = DEFAULT_FEED_LIMIT,
    cursor: Annotated[
        str | None, Query(description="From the X-Cursor header.", max_length=MAX_CURSOR_CHARS)
    ] = None,
) -> Response[list[EventOut]]:
    query = feed_query(
        id,
        field="id",
        since=since,
        event_type=event_type,
        participant=participant,
        limit=limit,
        cursor_token=cursor,
    )
    page = service.read_feed_as(principal, query)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=[EventOut.of(event) for event in page.events],
        headers=feed_headers(page),
    )


lambda_handler = lambda_entry(app)
