"""GET /v1/usage?from=&to=: successful webhook deliveries per day (what Ekademia bills)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import service
from trackhub.webhooks.api_models.usage import UsageDayOut, UsageOut

app = make_resolver()


@app.get("/v1/usage", summary="Metered webhook deliveries", security=BASIC_AUTH, tags=["webhooks"])
def usage(
    principal: Annotated[Principal, Depends(current_principal)],
    first: Annotated[
        str | None, Query(alias="from", max_length=10, description="YYYY-MM-DD (default: to - 30 days)")
    ] = None,
    last: Annotated[
        str | None, Query(alias="to", max_length=10, description="YYYY-MM-DD (default: today, UTC)")
    ] = None,
) -> UsageOut:
    first_day, last_day, days = service.usage_as(principal, first, last)
    return UsageOut(
        accountId=principal.account_id,
        fromDay=first_day,
        toDay=last_day,
        delivered=sum(count for _, count in days),
        days=[UsageDayOut(day=day, delivered=count) for day, count in days],
    )


lambda_handler = lambda_entry(app)
