"""The xAPI document store's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import integer, required


class DocumentSettings(NamedTuple):
    """The xAPI document store (State, Activity Profile, Agent Profile resources)."""

    XAPI_DOCUMENTS_TABLE_NAME: str
    # Content is kept in the item (DynamoDB's item limit is 400 KB); larger documents are a 413.
    XAPI_DOCUMENT_MAX_BYTES: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DocumentSettings:
        return cls(
            XAPI_DOCUMENTS_TABLE_NAME=required(env, "XAPI_DOCUMENTS_TABLE_NAME"),
            XAPI_DOCUMENT_MAX_BYTES=integer(env, "XAPI_DOCUMENT_MAX_BYTES", 350 * 1024, ge=1, le=380 * 1024),
        )
