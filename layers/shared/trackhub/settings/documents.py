"""The xAPI document store's settings."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class DocumentSettings(EnvModel):
    """The xAPI document store (State, Activity Profile, Agent Profile resources)."""

    XAPI_DOCUMENTS_TABLE_NAME: str = Field(min_length=1)
    # Content is kept in the item (DynamoDB's item limit is 400 KB); larger documents are a 413.
    XAPI_DOCUMENT_MAX_BYTES: int = Field(default=350 * 1024, ge=1, le=380 * 1024)
