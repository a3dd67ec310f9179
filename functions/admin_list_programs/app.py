"""GET /admin/accounts/{accountId}/programs: an account's programs, the hub's own included."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.programs import ProgramList, ProgramOut

app = make_resolver(validation=False)


@app.get("/admin/accounts/<accountId>/programs", summary="List programs", security=SIGV4_AUTH, tags=["admin"])
def list_programs(accountId: str) -> ProgramList:
    return ProgramList(programs=[ProgramOut.of(p) for p in service.list_programs(accountId)])


lambda_handler = lambda_entry(app, public=True)
