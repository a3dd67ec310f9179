"""PATCH /admin/accounts/{accountId}/tracking-codes/{trackingCode}: open/close it, change who may join."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.collector import admin
from trackhub.collector.api_models import TrackingCodeOut, UpdateTrackingCodeRequest

app = make_resolver()


@app.patch(
    "/admin/accounts/<accountId>/tracking-codes/<trackingCode>",
    summary="Open, close or restrict a tracking code",
    security=SIGV4_AUTH,
    tags=["admin"],
)
def update_tracking_code(
    accountId: str, trackingCode: str, body: UpdateTrackingCodeRequest
) -> TrackingCodeOut:
    return TrackingCodeOut.of(admin.update_code(accountId, trackingCode, body))


lambda_handler = lambda_entry(app, public=True)
