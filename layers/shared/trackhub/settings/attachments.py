"""Where xAPI attachment content is kept."""

from __future__ import annotations

from pydantic import Field

from trackhub.settings.base import EnvModel


class AttachmentSettings(EnvModel):
    """The S3 bucket holding xAPI attachment content, one object per `<accountId>/<sha2>`."""

    ATTACHMENTS_BUCKET_NAME: str = Field(min_length=1)
