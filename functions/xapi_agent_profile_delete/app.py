"""DELETE /xapi/agents/profile: delete an agent profile document; 204.

If-Match / If-None-Match are honoured (412). Basic auth with a key holding the `collector` scope.
"""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.xapi import documents
from trackhub.xapi.document_http import delete_request
from trackhub.xapi.requests import no_content, with_version

app = make_resolver(validation=False)


@app.delete(
    "/xapi/agents/profile",
    summary="Delete an agent profile document (agent, profileId)",
    security=BASIC_AUTH,
    tags=["xapi"],
)
def remove(principal: Annotated[Principal, Depends(current_principal)]) -> Response[str]:
    delete_request(app.current_event.raw_event, principal, documents.Kind.AGENT_PROFILE)
    return no_content()


lambda_handler = with_version(lambda_entry(app))
