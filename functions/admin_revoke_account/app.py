"""DELETE /admin/accounts/{accountId}: revoke an account and every key it holds."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.accounts import AccountOut

app = make_resolver(validation=False)


@app.delete("/admin/accounts/<accountId>", summary="Revoke an account", security=SIGV4_AUTH, tags=["admin"])
def revoke_account(accountId: str) -> AccountOut:
    return AccountOut.of(service.revoke_account(accountId))


lambda_handler = lambda_entry(app, public=True)
