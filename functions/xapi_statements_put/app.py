"""PUT /xapi/statements?statementId=: store one xAPI statement under the client's id.

204 when stored (or already stored identically), 409 when the id holds a different statement.
JSON or multipart/mixed (attachments). Basic auth with a key holding the `collector` scope.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import lrs
from trackhub.xapi.http import check_version, home_page
from trackhub.xapi.requests import no_content, with_version
from trackhub.xapi.statement_http import statement_body

app = make_resolver(validation=False)


@app.put("/xapi/statements", summary="Store an xAPI statement by id", security=BASIC_AUTH, tags=["xapi"])
def put_statement(principal: Annotated[Principal, Depends(current_principal)]) -> Response[str]:
    event = app.current_event.raw_event
    check_version(event.get("headers"))
    params = dict(event.get("queryStringParameters") or {})
    body, parts = statement_body(event)
    lrs.put_as(principal, params, body, parts, home_page=home_page(event))
    return no_content()


lambda_handler = with_version(lambda_entry(app, json_bodies=False))
