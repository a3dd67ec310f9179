"""What the admin request bodies share: identifier formats and the strict request base."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ConfigDict, StringConstraints

from trackhub.auth.scopes import PROGRAM_ID_PATTERN, check_scope
from trackhub.base_model import HubModel

ACCOUNT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,11}$"

AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
ProgramId = Annotated[str, StringConstraints(pattern=rf"^{PROGRAM_ID_PATTERN}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Scope = Annotated[str, AfterValidator(check_scope)]


class Request(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
