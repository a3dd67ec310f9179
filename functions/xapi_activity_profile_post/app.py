"""POST /xapi/activities/profile: merge a JSON object into the stored JSON
document (top-level keys), or store it when there is none; 204.

If-Match / If-None-Match are honoured (412).
Basic auth with a key holding the `collector` scope; X-Experience-API-Version required.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import documents
from trackhub.xapi.document_http import store_request
from trackhub.xapi.requests import no_content, with_version

app = make_resolver(validation=False)


@app.post(
    "/xapi/activities/profile",
    summary="Merge into an activity profile document (activityId, profileId)",
    security=BASIC_AUTH,
    tags=["xapi"],
)
def write(principal: Annotated[Principal, Depends(current_principal)]) -> Response[str]:
    store_request(app.current_event.raw_event, principal, documents.Kind.ACTIVITY_PROFILE, merge=True)
    return no_content()


lambda_handler = with_version(lambda_entry(app, json_bodies=False, declared_json_only=True))
