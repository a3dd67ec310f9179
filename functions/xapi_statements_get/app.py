"""GET /xapi/statements: the xAPI 1.0.3 Statements resource, read side, over the account's statements.

Basic auth with a key holding the `collector` scope; `X-Experience-API-Version: 1.0.x` required.
A `statementId` returns that statement; otherwise a StatementResult `{statements, more}` filtered by
agent, verb, activity, registration, since and until, `limit` per page, oldest first with ascending.
"""

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response, content_types

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import service
from trackhub.xapi.http import check_version, more_base
from trackhub.xapi.models import XAPI_VERSION

app = make_resolver()


@app.get("/xapi/statements", summary="Read xAPI statements", security=BASIC_AUTH, tags=["xapi"])
def statements(principal: Annotated[Principal, Depends(current_principal)]) -> Response[str]:
    event = app.current_event
    check_version(event.headers)
    params: dict[str, Any] = dict(event.query_string_parameters or {})
    answer = service.read_as(principal, params, more_base=more_base(event.raw_event))
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(answer, separators=(",", ":"), ensure_ascii=False),
        headers={"X-Experience-API-Version": XAPI_VERSION},
    )


lambda_handler = lambda_entry(app)
