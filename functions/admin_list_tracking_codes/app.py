"""GET /admin/accounts/{accountId}/tracking-codes: an account's collector tracking codes."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.collector import admin
from trackhub.collector.api_models import TrackingCodeOut, TrackingCodesOut

app = make_resolver(validation=False)


@app.get(
    "/admin/accounts/<accountId>/tracking-codes",
    summary="List tracking codes",
    security=SIGV4_AUTH,
    tags=["admin"],
)
def list_tracking_codes(accountId: str) -> TrackingCodesOut:
    return TrackingCodesOut(trackingCodes=[TrackingCodeOut.of(c) for c in admin.list_codes(accountId)])


lambda_handler = lambda_entry(app, public=True)
