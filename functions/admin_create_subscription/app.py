"""POST /admin/subscriptions: let a subscriber program read a publisher program's events."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.subscriptions import CreateSubscriptionRequest, SubscriptionOut

app = make_resolver()


@app.post(
    "/admin/subscriptions",
    summary="Create a subscription",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_subscription(body: CreateSubscriptionRequest) -> Response[SubscriptionOut]:
    sub = service.create_subscription(body.programId, body.publisherProgramId)
    return Response(201, content_types.APPLICATION_JSON, SubscriptionOut.of(sub))


lambda_handler = lambda_entry(app, public=True)
