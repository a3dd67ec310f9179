"""GET /admin/accounts/{accountId}/jwt-settings: the account's JWT settings without the secret."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Any

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.collector import admin

app = make_resolver(validation=False)


@app.get(
    "/admin/accounts/<accountId>/jwt-settings",
    summary="Show the account's JWT settings (never the secret)",
    security=SIGV4_AUTH,
    tags=["admin"],
)
def get_jwt_settings(accountId: str) -> dict[str, Any]:
    return admin.get_jwt_settings(accountId)


lambda_handler = lambda_entry(app, public=True)
