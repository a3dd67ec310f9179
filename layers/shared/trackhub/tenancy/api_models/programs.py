"""Bodies of the /admin/accounts/{accountId}/programs routes."""

from __future__ import annotations

from datetime import datetime

from trackhub.base_model import HubModel
from trackhub.tenancy.api_models.common import Name, ProgramId, Request
from trackhub.tenancy.models import Program


class CreateProgramRequest(Request):
    programId: ProgramId
    name: Name


class ProgramOut(HubModel):
    programId: str
    accountId: str
    name: str
    status: str
    hubOwned: bool
    createdAt: datetime

    @classmethod
    def of(cls, program: Program) -> ProgramOut:
        return cls(
            programId=program.program_id,
            accountId=program.account_id,
            name=program.name,
            status=program.status.value,
            hubOwned=program.hub_owned,
            createdAt=program.created_at,
        )


class ProgramList(HubModel):
    programs: list[ProgramOut]
