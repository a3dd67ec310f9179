"""POST /v1/webhooks: subscribe a {WEBHOOK} code to the events of programs the key may read."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response, content_types

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import service
from trackhub.webhooks.api_models.webhooks import CreateWebhookRequest, WebhookOut

app = make_resolver()


@app.post(
    "/v1/webhooks",
    summary="Create a webhook subscription",
    security=BASIC_AUTH,
    tags=["webhooks"],
    status_code=201,
)
def create(
    principal: Annotated[Principal, Depends(current_principal)], body: CreateWebhookRequest
) -> Response[WebhookOut]:
    webhook = service.create_subscription_as(principal, body.code, body.programs, body.types)
    return Response(
        201,
        content_types.APPLICATION_JSON,
        WebhookOut.of(webhook),
        headers={"Location": f"/v1/webhooks/{webhook.webhook_id}"},
    )


lambda_handler = lambda_entry(app)
