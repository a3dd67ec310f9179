"""GET /v1/whoami: the account, key and scopes behind a Basic credential (lets a client check a key)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from trackhub.api.resolver import BASIC_AUTH, current_principal, lambda_entry, make_resolver
from trackhub.auth.principal import Principal
from trackhub.tenancy.api_models.whoami import WhoAmIOut

app = make_resolver(validation=False)


@app.get("/v1/whoami", summary="Describe the calling key", security=BASIC_AUTH)
def whoami(principal: Annotated[Principal, Depends(current_principal)]) -> WhoAmIOut:
    return WhoAmIOut(
        userId=principal.user_id, accountId=principal.account_id, scopes=sorted(principal.scopes)
    )


lambda_handler = lambda_entry(app)
