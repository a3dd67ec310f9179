"""The event a stored `completed` statement publishes, whoever stored it (collector track or the LRS):
one kind of event for a completion, its id derived from the statement's so a re-send publishes once.

The event store is imported by the first write that has a completion to publish: most statement
writes have none, and its models and service are a few ms of a cold start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from trackhub.errors import Conflict
from trackhub.events.errors import ExtraItemRejected
from trackhub.xapi import repository
from trackhub.xapi.records import StoredStatement

if TYPE_CHECKING:
    from trackhub.events.models import NewEvent

COMPLETED_EVENT_TYPE = "COLLECTOR_COMPLETED"


def completed_event(
    program: str, item: StoredStatement, *, participant: str, details: Mapping[str, Any]
) -> NewEvent:
    """`details`: what the writer adds to the event data between `statementId` and `objectId`."""
    from trackhub.events.models import NewEvent

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


def commit_with_events(entries: list[dict[str, Any]], pending: Sequence[NewEvent], *, attempts: int) -> None:
    """One TransactWriteItems of `entries` with these completion events. An event a re-send finds
    published already is left out and the transaction sent again; Conflict when that keeps happening.
    The entries' own failed conditions propagate (repository.WriteRejected, ExtraItemRejected)."""
    left = list(pending)
    for _ in range(attempts):
        try:
            if left:  # only a write with events loads the event store (module docstring)
                from trackhub.events import service as events

                events.publish_all(left, extra_transact_items=entries)
            else:
                repository.transact(entries)
            return
        except ExtraItemRejected:
            raise  # a Conflict too, but the caller's entries, not an event that exists
        except Conflict:
            if left:
                from trackhub.events import repository as event_store

                left = [e for e in left if event_store.get_event(str(e.event_id)) is None]
    raise Conflict("statements are being written concurrently under the same ids; retry")
