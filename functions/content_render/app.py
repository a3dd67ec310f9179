"""POST /v1/content/render: remove and queue {WEBHOOK} codes, turn {WEBHOOKJS} codes into browser
snippets, report malformed codes with their position."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.webhooks import render as rendering
from trackhub.webhooks.api_models.render import RenderOut, RenderRequest

app = make_resolver()


@app.post(
    "/v1/content/render",
    summary="Render content holding webhook codes",
    security=BASIC_AUTH,
    tags=["webhooks"],
)
def render(principal: Annotated[Principal, Depends(current_principal)], body: RenderRequest) -> RenderOut:
    return RenderOut.of(rendering.render_as(principal, body.content, body.context))


lambda_handler = lambda_entry(app)
