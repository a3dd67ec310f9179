"""POST /admin/accounts/{accountId}/keys: create an API key; its secret is in this response only."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.keys import CreateKeyRequest, KeyCreatedOut, KeyOut

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/keys",
    summary="Create an API key",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_key(accountId: str, body: CreateKeyRequest) -> Response[KeyCreatedOut]:
    key, secret = service.create_key(accountId, body.scopes, body.description)
    created = KeyCreatedOut(**KeyOut.of(key).model_dump(), apiKey=secret)
    return Response(201, content_types.APPLICATION_JSON, created, headers={"Cache-Control": "no-store"})


lambda_handler = lambda_entry(app, public=True)
