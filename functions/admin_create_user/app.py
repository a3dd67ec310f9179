"""POST /admin/accounts/{accountId}/users: a web tracking user (email unique per account)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webtracking import service
from trackhub.webtracking.api_models.users import CreateUserRequest, UserOut

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/users",
    summary="Create a user",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_user(accountId: str, body: CreateUserRequest) -> Response[UserOut]:
    user = service.create_user(accountId, body.email, body.firstname, body.lastname)
    return Response(
        201, content_types.APPLICATION_JSON, UserOut.of(user), headers={"Cache-Control": "no-store"}
    )


lambda_handler = lambda_entry(app, public=True)
