"""POST /v1/webtracking/push: store progress / complete / message / data for a user on a web activity."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

import time
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends

from trackhub.api.dialects import Dialect
from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webtracking import service
from trackhub.webtracking.api_models.falkor import PushRequest, envelope, push_data

app = make_resolver(Dialect.FALKOR)

_RESPONSES: dict[int, Any] = {
    404: {"description": "Unknown or expired webToken, unknown userToken, pathway or activity_ID."},
    409: {"description": "More than one pathway has this name: send its ID."},
    503: {"description": "Concurrent pushes outlasted the retries, or the store is unavailable; retry."},
}


@app.post(
    "/v1/webtracking/push", summary="Push a web activity's state", security=BASIC_AUTH, responses=_RESPONSES
)
def push(principal: Annotated[Principal, Depends(current_principal)], body: PushRequest) -> dict[str, Any]:
    started = time.perf_counter()
    state = service.push(principal, body.identification(), body.change())
    return envelope(push_data(state), started)


lambda_handler = lambda_entry(app)
