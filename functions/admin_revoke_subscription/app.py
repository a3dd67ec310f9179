"""DELETE /admin/subscriptions/{programId}/{publisherProgramId}: stop a subscriber reading a publisher."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service

app = make_resolver(validation=False)


@app.delete(
    "/admin/subscriptions/<programId>/<publisherProgramId>",
    summary="Remove a subscription",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=204,
)
def revoke_subscription(programId: str, publisherProgramId: str) -> Response[None]:
    service.revoke_subscription(programId, publisherProgramId)
    return Response(204)


lambda_handler = lambda_entry(app, public=True)
