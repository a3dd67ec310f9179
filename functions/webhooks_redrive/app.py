"""POST /v1/webhooks/{webhookId}/redrive: start the webhook's parked deliveries over (ten attempts)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import service
from trackhub.webhooks.api_models.queued import RedriveOut

app = make_resolver(validation=False)


@app.post(
    "/v1/webhooks/<webhookId>/redrive",
    summary="Redrive parked deliveries",
    security=BASIC_AUTH,
    tags=["webhooks"],
)
def redrive(principal: Annotated[Principal, Depends(current_principal)], webhookId: str) -> RedriveOut:
    return RedriveOut(redriven=service.redrive_as(principal, webhookId))


lambda_handler = lambda_entry(app)
