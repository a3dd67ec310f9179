"""GET and HEAD /xapi/agents: the Person object of an agent: its known names and IFIs (agent).

Read from the account's statements (trackhub.xapi.lookups). Basic auth with a key holding the
`collector` scope; X-Experience-API-Version required. HEAD: the same without a body.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import lookups
from trackhub.xapi.document_http import json_response, params
from trackhub.xapi.http import check_version
from trackhub.xapi.requests import with_version

app = make_resolver(validation=False)


def _read(principal: Principal, *, head: bool) -> Response[Any]:
    event = app.current_event.raw_event
    check_version(event.get("headers"))
    return json_response(lookups.person(principal, params(event)), head=head)


@app.get("/xapi/agents", summary="The person object of an agent", security=BASIC_AUTH, tags=["xapi"])
def read(principal: Annotated[Principal, Depends(current_principal)]) -> Response[Any]:
    return _read(principal, head=False)


@app.head(
    "/xapi/agents", summary="The person object of an agent: headers only", security=BASIC_AUTH, tags=["xapi"]
)
def read_head(principal: Annotated[Principal, Depends(current_principal)]) -> Response[Any]:
    return _read(principal, head=True)


lambda_handler = with_version(lambda_entry(app), reads=True)
