"""GET /v1/webhooks: the account's subscriptions and code webhooks (secrets never shown)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import service
from trackhub.webhooks.api_models.webhooks import WebhookListOut, WebhookOut

app = make_resolver(validation=False)


@app.get("/v1/webhooks", summary="List webhooks", security=BASIC_AUTH, tags=["webhooks"])
def list_webhooks(principal: Annotated[Principal, Depends(current_principal)]) -> WebhookListOut:
    return WebhookListOut(webhooks=[WebhookOut.of(w) for w in service.list_as(principal)])


lambda_handler = lambda_entry(app)
