"""GET /admin/accounts/{accountId}/users: an account's web tracking users."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.webtracking import service
from trackhub.webtracking.api_models.users import UserList, UserOut

app = make_resolver(validation=False)


@app.get("/admin/accounts/<accountId>/users", summary="List users", security=SIGV4_AUTH, tags=["admin"])
def list_users(accountId: str) -> UserList:
    return UserList(users=[UserOut.of(u) for u in service.list_users(accountId)])


lambda_handler = lambda_entry(app, public=True)
