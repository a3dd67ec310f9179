"""Where xAPI attachment content is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trackhub.settings.base import required


class AttachmentSettings(NamedTuple):
    """The S3 bucket holding xAPI attachment content, one object per `<accountId>/<sha2>`."""

    ATTACHMENTS_BUCKET_NAME: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AttachmentSettings:
        return cls(ATTACHMENTS_BUCKET_NAME=required(env, "ATTACHMENTS_BUCKET_NAME"))
