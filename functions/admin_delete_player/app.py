"""DELETE /admin/accounts/{accountId}/players/{playerType}/{playerId}: forget a collector player and
its session counters; tracks with its remaining authTokens answer 200 `false` (as RAGE did)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.collector import admin

app = make_resolver(validation=False)


@app.delete(
    "/admin/accounts/<accountId>/players/<playerType>/<playerId>",
    summary="Delete a collector player (anonymous or identified)",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=204,
)
def delete_player(accountId: str, playerType: str, playerId: str) -> Response[None]:
    admin.delete_player(accountId, playerType, playerId)
    return Response(status_code=204)


lambda_handler = lambda_entry(app, public=True)
