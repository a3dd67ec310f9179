"""DELETE /admin/accounts/{accountId}/keys/{userId}: revoke a key; it answers 401 from then on."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.keys import KeyOut

app = make_resolver(validation=False)


@app.delete(
    "/admin/accounts/<accountId>/keys/<userId>",
    summary="Revoke an API key",
    security=SIGV4_AUTH,
    tags=["admin"],
)
def revoke_key(accountId: str, userId: str) -> KeyOut:
    return KeyOut.of(service.revoke_key(accountId, userId))


lambda_handler = lambda_entry(app, public=True)
