"""DELETE /admin/accounts/{accountId}/programs/{programId}: revoke a program and its subscriptions."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.programs import ProgramOut

app = make_resolver(validation=False)


@app.delete(
    "/admin/accounts/<accountId>/programs/<programId>",
    summary="Revoke a program",
    security=SIGV4_AUTH,
    tags=["admin"],
)
def revoke_program(accountId: str, programId: str) -> ProgramOut:
    return ProgramOut.of(service.revoke_program(accountId, programId))


lambda_handler = lambda_entry(app, public=True)
