"""POST /admin/webhooks/redrive: move every message of the webhook dead-letter queue back to work."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webhooks import service
from trackhub.webhooks.api_models.queued import DeadLetterRedriveOut

app = make_resolver(validation=False)


@app.post("/admin/webhooks/redrive", summary="Redrive the webhook DLQ", security=SIGV4_AUTH, tags=["admin"])
def redrive() -> DeadLetterRedriveOut:
    return DeadLetterRedriveOut(**service.drain_dead_letters())


lambda_handler = lambda_entry(app, public=True)
