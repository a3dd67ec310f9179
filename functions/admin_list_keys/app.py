"""GET /admin/accounts/{accountId}/keys: an account's keys, never their secrets."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.keys import KeyList, KeyOut

app = make_resolver(validation=False)


@app.get("/admin/accounts/<accountId>/keys", summary="List API keys", security=SIGV4_AUTH, tags=["admin"])
def list_keys(accountId: str) -> KeyList:
    return KeyList(keys=[KeyOut.of(k) for k in service.list_keys(accountId)])


lambda_handler = lambda_entry(app, public=True)
