"""DELETE /v1/webhooks/{webhookId}: stop a webhook (its delivery log stays readable until expiry)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import service

app = make_resolver(validation=False)


@app.delete(
    "/v1/webhooks/<webhookId>",
    summary="Delete a webhook",
    security=BASIC_AUTH,
    tags=["webhooks"],
    status_code=204,
)
def delete(principal: Annotated[Principal, Depends(current_principal)], webhookId: str) -> Response[None]:
    service.delete_as(principal, webhookId)
    return Response(status_code=204)


lambda_handler = lambda_entry(app)
