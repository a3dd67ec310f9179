"""GET and HEAD /xapi/statements: the xAPI 1.0.3 Statements resource, read side, over the account's
statements.

Basic auth with a key holding the `collector` scope; `X-Experience-API-Version: 1.0.x` required.
`statementId` / `voidedStatementId` return that statement; otherwise a StatementResult
`{statements, more}` filtered by agent, verb, activity, registration (related_agents,
related_activities), since and until, `limit` per page, oldest first with ascending; `format`
ids|exact|canonical; `attachments=true` answers multipart/mixed. HEAD: the same without a body.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import service
from trackhub.xapi.http import check_version, header, more_base
from trackhub.xapi.requests import with_version
from trackhub.xapi.statement_http import read_response

app = make_resolver(validation=False)


def _read(principal: Principal, *, head: bool) -> Response[Any]:
    event = app.current_event.raw_event
    headers = event.get("headers")
    check_version(headers)
    params: dict[str, Any] = dict(event.get("queryStringParameters") or {})
    answer = service.read_as(
        principal, params, more_base=more_base(event), accept_language=header(headers, "accept-language")
    )
    return read_response(principal.account_id, answer, head=head)


@app.get("/xapi/statements", summary="Read xAPI statements", security=BASIC_AUTH, tags=["xapi"])
def statements(principal: Annotated[Principal, Depends(current_principal)]) -> Response[Any]:
    return _read(principal, head=False)


@app.head("/xapi/statements", summary="Read xAPI statements' headers", security=BASIC_AUTH, tags=["xapi"])
def statements_head(principal: Annotated[Principal, Depends(current_principal)]) -> Response[Any]:
    return _read(principal, head=True)


lambda_handler = with_version(lambda_entry(app), reads=True)
