"""GET /admin/accounts/{accountId}/pathways: an account's web tracking pathways."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webtracking import service
from trackhub.webtracking.api_models.pathways import PathwayList, PathwayOut

app = make_resolver(validation=False)


@app.get("/admin/accounts/<accountId>/pathways", summary="List pathways", security=SIGV4_AUTH, tags=["admin"])
def list_pathways(accountId: str) -> PathwayList:
    return PathwayList(pathways=[PathwayOut.of(p) for p in service.list_pathways(accountId)])


lambda_handler = lambda_entry(app, public=True)
