"""POST /admin/accounts/{accountId}/jwt-revocations: refuse an identified player's JWT (by `jti`) or
every JWT of a user issued up to a moment; a start with one gets A2's 401."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.collector import admin
from trackhub.collector.api_models import JwtRevocationOut, RevokeJwtRequest

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/jwt-revocations",
    summary="Revoke collector JWTs (one token or a user's tokens)",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def revoke_jwt(accountId: str, body: RevokeJwtRequest) -> Response[JwtRevocationOut]:
    return Response(201, content_types.APPLICATION_JSON, admin.revoke_jwt(accountId, body))


lambda_handler = lambda_entry(app, public=True)
