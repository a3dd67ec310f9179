"""PUT /admin/accounts/{accountId}/jwt-settings: how the collector verifies identified players' JWTs.

Stored as a SecureString in SSM Parameter Store; the answer never contains the HS256 secret.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Any

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.collector import admin
from trackhub.collector.models import JwtSettings

app = make_resolver()


@app.put(
    "/admin/accounts/<accountId>/jwt-settings",
    summary="Set the account's JWT settings",
    security=SIGV4_AUTH,
    tags=["admin"],
)
def put_jwt_settings(accountId: str, body: JwtSettings) -> dict[str, Any]:
    return admin.put_jwt_settings(accountId, body)


lambda_handler = lambda_entry(app, public=True)
