"""GET /v1/webhooks/{webhookId}/deliveries: the delivery log, newest first, every attempt in it."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import service
from trackhub.webhooks.api_models.deliveries import DeliveryListOut, DeliveryOut
from trackhub.webhooks.models import DeliveryStatus

app = make_resolver()


@app.get(
    "/v1/webhooks/<webhookId>/deliveries",
    summary="A webhook's delivery log",
    security=BASIC_AUTH,
    tags=["webhooks"],
)
def deliveries(
    principal: Annotated[Principal, Depends(current_principal)],
    webhookId: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Annotated[DeliveryStatus | None, Query(description="pending, delivered or parked")] = None,
) -> DeliveryListOut:
    found = service.deliveries_as(principal, webhookId, limit, status)
    return DeliveryListOut(deliveries=[DeliveryOut.of(d) for d in found])


lambda_handler = lambda_entry(app)
