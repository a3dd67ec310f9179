"""POST /v1/webhooks/{webhookId}/test: queue a test call (202; follow it in the delivery log)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response, content_types

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import service
from trackhub.webhooks.api_models.queued import TestQueuedOut

app = make_resolver(validation=False)


@app.post(
    "/v1/webhooks/<webhookId>/test", summary="Queue a test call", security=BASIC_AUTH, tags=["webhooks"]
)
def test(
    principal: Annotated[Principal, Depends(current_principal)], webhookId: str
) -> Response[TestQueuedOut]:
    delivery = service.test_as(principal, webhookId)
    return Response(202, content_types.APPLICATION_JSON, TestQueuedOut(deliveryId=delivery.delivery_id))


lambda_handler = lambda_entry(app)
