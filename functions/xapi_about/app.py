"""GET /xapi/about: the xAPI versions this LRS speaks (public, as xAPI requires)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import lambda_entry, make_resolver
from trackhub.xapi.http import xapi_headers
from trackhub.xapi.models import ABOUT
from trackhub.xapi.requests import compact, with_version

app = make_resolver(validation=False)


@app.get("/xapi/about", summary="xAPI versions and extensions of this LRS", tags=["xapi"])
def about() -> Response[str]:
    return Response(200, content_types.APPLICATION_JSON, compact(ABOUT), xapi_headers())


lambda_handler = with_version(lambda_entry(app, public=True))
