"""What the webhook request bodies share."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from trackhub.auth.scopes import PROGRAM_ID_PATTERN
from trackhub.base_model import HubModel

ProgramId = Annotated[str, StringConstraints(pattern=rf"^{PROGRAM_ID_PATTERN}$")]
EventType = Annotated[str, StringConstraints(min_length=1, max_length=50)]


class Request(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
