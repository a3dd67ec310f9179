"""POST /events body.

Unknown top-level fields are refused with a 400 naming them (a misspelt optional field would
otherwise vanish silently). `EventStartUTC` / `EventEndUTC`, the casing of older Learning Hub pages,
are accepted as aliases of `EventStartUtc` / `EventEndUtc`; sending both spellings of one is a 400.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, ConfigDict, Field, ValidationInfo, field_validator

from trackhub.base_model import HubModel
from trackhub.events.api_models import PROGRAM_ID_HINT
from trackhub.events.models import (
    CategoryLabel,
    CategoryValue,
    EventCategory,
    EventData,
    EventTypeName,
    Identifier,
    NewEvent,
    ProgramId,
    SystemId,
    UtcTimestamp,
    check_end,
    check_event_id,
)


class CategoryIn(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: CategoryValue
    label: CategoryLabel


class PublishEventRequest(HubModel):
    """POST /events body. Field order matters: cross-field checks read the fields declared before them."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    EventType: EventTypeName
    PublisherProgramId: ProgramId = Field(description=PROGRAM_ID_HINT)
    EventId: str | None = Field(
        default=None,
        max_length=62,
        description="<PublisherProgramId>-<UUID>; assigned by the hub when omitted.",
    )
    PublisherSystemId: SystemId | None = None
    PublisherEventId: Identifier
    PublisherParticipantId: Identifier
    PublisherEventCategory: CategoryIn | None = None
    PublisherEventData: EventData = Field(description="A JSON object; its compact JSON is at most 256 KiB.")
    EventStartUtc: UtcTimestamp = Field(validation_alias=AliasChoices("EventStartUtc", "EventStartUTC"))
    EventEndUtc: UtcTimestamp | None = Field(
        default=None, validation_alias=AliasChoices("EventEndUtc", "EventEndUTC")
    )
    ReferenceEventId: Identifier | None = None

    @field_validator("EventId")
    @classmethod
    def _event_id_of_program(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else check_event_id(value, info.data.get("PublisherProgramId"))

    @field_validator("EventEndUtc")
    @classmethod
    def _end_not_before_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return check_end(info.data.get("EventStartUtc"), value)

    def to_domain(self) -> NewEvent:
        category = self.PublisherEventCategory
        return NewEvent(
            event_id=self.EventId,
            event_type=self.EventType,
            publisher_program_id=self.PublisherProgramId,
            publisher_system_id=self.PublisherSystemId,
            publisher_event_id=self.PublisherEventId,
            publisher_participant_id=self.PublisherParticipantId,
            publisher_event_category=EventCategory(value=category.value, label=category.label)
            if category
            else None,
            publisher_event_data=self.PublisherEventData,
            event_start_utc=self.EventStartUtc,
            event_end_utc=self.EventEndUtc,
            reference_event_id=self.ReferenceEventId,
        )
