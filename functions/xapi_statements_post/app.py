"""POST /xapi/statements: store one statement or an array (all or nothing); 200 with their ids.

Also the Alternate Request Syntax (`POST ?method=GET|HEAD|PUT|POST` with a form body carrying the
headers, parameters and `content`): the form is unpacked before authentication, and the request it
carries is served here. JSON or multipart/mixed (attachments). Key scope `collector`.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response, content_types

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import lrs, service
from trackhub.xapi.http import check_version, header, home_page, intended_method, more_base, xapi_headers
from trackhub.xapi.requests import compact, no_content, with_alternate_syntax, with_version
from trackhub.xapi.statement_http import read_response, statement_body

app = make_resolver(validation=False)


@app.post("/xapi/statements", summary="Store xAPI statements", security=BASIC_AUTH, tags=["xapi"])
def post_statements(principal: Annotated[Principal, Depends(current_principal)]) -> Response[Any]:
    event = app.current_event.raw_event
    headers = event.get("headers")
    check_version(headers)
    params = dict(event.get("queryStringParameters") or {})
    method = intended_method(event)
    if method in ("GET", "HEAD"):
        answer = service.read_as(
            principal, params, more_base=more_base(event), accept_language=header(headers, "accept-language")
        )
        return read_response(principal.account_id, answer, head=method == "HEAD")
    body, parts = statement_body(event)
    if method == "PUT":
        lrs.put_as(principal, params, body, parts, home_page=home_page(event))
        return no_content()
    ids = lrs.post_as(principal, params, body, parts, home_page=home_page(event))
    return Response(200, content_types.APPLICATION_JSON, compact(ids), xapi_headers())


lambda_handler = with_version(with_alternate_syntax(lambda_entry(app, json_bodies=False)))
