"""GET /admin/accounts/{accountId}/pathways/{pathwayId}/activities: a pathway's web activities."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webtracking import service
from trackhub.webtracking.api_models.activities import ActivityList, ActivityOut

app = make_resolver(validation=False)


@app.get(
    "/admin/accounts/<accountId>/pathways/<pathwayId>/activities",
    summary="List a pathway's web activities",
    security=SIGV4_AUTH,
    tags=["admin"],
)
def list_activities(accountId: str, pathwayId: str) -> ActivityList:
    return ActivityList(activities=[ActivityOut.of(a) for a in service.list_activities(accountId, pathwayId)])


lambda_handler = lambda_entry(app, public=True)
