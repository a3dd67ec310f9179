"""POST /admin/accounts/{accountId}/programs: create a program (a publisher and/or subscriber)."""

import trackhub  # noqa: F401 - before Powertools' event handler (trackhub/lazy_packages.py)

# isort: split

from aws_lambda_powertools.event_handler import Response, content_types

from trackhub.api.resolver import SIGV4_AUTH, lambda_entry, make_resolver
from trackhub.tenancy import service
from trackhub.tenancy.api_models.programs import CreateProgramRequest, ProgramOut

app = make_resolver()


@app.post(
    "/admin/accounts/<accountId>/programs",
    summary="Create a program",
    security=SIGV4_AUTH,
    tags=["admin"],
    status_code=201,
)
def create_program(accountId: str, body: CreateProgramRequest) -> Response[ProgramOut]:
    program = service.create_program(accountId, body.programId, body.name)
    return Response(201, content_types.APPLICATION_JSON, ProgramOut.of(program))


lambda_handler = lambda_entry(app, public=True)
