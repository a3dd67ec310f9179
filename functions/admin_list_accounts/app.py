"""GET /admin/accounts: every account, active and revoked."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.accounts import AccountList, AccountOut

app = make_resolver(validation=False)


@app.get("/admin/accounts", summary="List accounts", security=SIGV4_AUTH, tags=["admin"])
def list_accounts() -> AccountList:
    return AccountList(accounts=[AccountOut.of(a) for a in service.list_accounts()])


lambda_handler = lambda_entry(app, public=True)
