"""POST /v1/webtracking/pull {"webToken"} (also GET ?webToken=): who, what activity, and the stored state."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

import time
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from trackhub.api.dialects import Dialect
from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webtracking import service
from trackhub.webtracking.api_models.falkor import PullRequest, envelope, pull_data

app = make_resolver(Dialect.FALKOR)

_RESPONSES: dict[int, Any] = {
    404: {"description": "Unknown or expired webToken (or one of another account)."},
    403: {"description": "The key has no webtracking scope."},
}


def _pull(principal: Principal, web_token: str) -> dict[str, Any]:
    started = time.perf_counter()
    target, state = service.pull(principal, web_token)
    return envelope(pull_data(target, state), started)


@app.post(
    "/v1/webtracking/pull",
    summary="Pull a web activity's user and state",
    security=BASIC_AUTH,
    responses=_RESPONSES,
)
def pull(principal: Annotated[Principal, Depends(current_principal)], body: PullRequest) -> dict[str, Any]:
    return _pull(principal, body.webToken)


@app.get(
    "/v1/webtracking/pull", summary="Pull (webToken in the query)", security=BASIC_AUTH, responses=_RESPONSES
)
def pull_get(
    principal: Annotated[Principal, Depends(current_principal)],
    webToken: Annotated[str, Query(min_length=1, max_length=200)],
) -> dict[str, Any]:
    return _pull(principal, webToken)


lambda_handler = lambda_entry(app)
