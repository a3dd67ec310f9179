"""POST /admin/accounts: create an account with its two hub programs (web tracking, collector)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.accounts import AccountOut, CreateAccountRequest

app = make_resolver()


@app.post(
    "/admin/accounts", summary="Create an account", security=SIGV4_AUTH, tags=["admin"], status_code=201
)
def create_account(body: CreateAccountRequest) -> Response[AccountOut]:
    account = service.create_account(body.name, body.accountId)
    return Response(201, content_types.APPLICATION_JSON, AccountOut.of(account))


lambda_handler = lambda_entry(app, public=True)
