"""GET /admin/subscriptions?programId=: the publisher programs a subscriber program reads."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.auth.scopes import PROGRAM_ID_PATTERN
from trackhub.tenancy import service
from trackhub.tenancy.api_models.subscriptions import SubscriptionList, SubscriptionOut

app = make_resolver()


@app.get(
    "/admin/subscriptions", summary="List a program's subscriptions", security=SIGV4_AUTH, tags=["admin"]
)
def list_subscriptions(
    programId: Annotated[str, Query(pattern=f"^{PROGRAM_ID_PATTERN}$")],
) -> SubscriptionList:
    return SubscriptionList(
        subscriptions=[SubscriptionOut.of(s) for s in service.list_subscriptions(programId)]
    )


lambda_handler = lambda_entry(app, public=True)
