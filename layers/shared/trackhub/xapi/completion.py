"""The event a stored `completed` statement publishes, whoever stored it (collector track or the LRS):
one kind of event for a completion, its id derived from the statement's so a re-send publishes once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackhub.events.models import NewEvent
from trackhub.xapi.models import StoredStatement

COMPLETED_EVENT_TYPE = "COLLECTOR_COMPLETED"


def completed_event(
    program: str, item: StoredStatement, *, participant: str, details: Mapping[str, Any]
) -> NewEvent:
    """`details`: what the writer adds to the event data between `statementId` and `objectId`."""
    statement = item.statement
    obj = statement.get("object")
    data: dict[str, Any] = {
        "statementId": item.statement_id,
        **details,
        "objectId": obj.get("id") if isinstance(obj, dict) else None,
    }
    if isinstance(statement.get("result"), dict):
        data["result"] = statement["result"]
    return NewEvent(
        event_id=f"{program}-{item.statement_id}",
        event_type=COMPLETED_EVENT_TYPE,
        publisher_program_id=program,
        publisher_event_id=item.statement_id,
        publisher_participant_id=participant,
        publisher_event_data=data,
        event_start_utc=item.stored,
    )
