"""GET and HEAD /xapi/agents/profile: the xAPI Agent Profile resource, read side.

With the document id: an agent profile document as stored (its Content-Type, ETag, Last-Modified), 404
when absent; without it: the JSON array of the ids of the scope (`since`: updated after). HEAD: the
same without a body. Basic auth with a key holding the `collector` scope; X-Experience-API-Version.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import documents
from trackhub.xapi.document_http import read_request
from trackhub.xapi.requests import with_version

app = make_resolver(validation=False)


@app.get(
    "/xapi/agents/profile",
    summary="Read an agent profile document (agent, profileId)",
    security=BASIC_AUTH,
    tags=["xapi"],
)
def read(principal: Annotated[Principal, Depends(current_principal)]) -> Response[Any]:
    return read_request(app.current_event.raw_event, principal, documents.Kind.AGENT_PROFILE, head=False)


@app.head(
    "/xapi/agents/profile",
    summary="Read an agent profile document (agent, profileId): headers only",
    security=BASIC_AUTH,
    tags=["xapi"],
)
def read_head(principal: Annotated[Principal, Depends(current_principal)]) -> Response[Any]:
    return read_request(app.current_event.raw_event, principal, documents.Kind.AGENT_PROFILE, head=True)


lambda_handler = with_version(lambda_entry(app))
