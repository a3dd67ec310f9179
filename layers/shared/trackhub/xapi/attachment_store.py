"""Attachment content in S3: one object per account and hash, `<accountId>/<sha2>`.

Content-addressed, so writing is idempotent: an object already there holds the same bytes and is
not written again, and statements sharing an attachment share its object.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from trackhub.config import attachment_settings
from trackhub.errors import DependencyUnavailable
from trackhub.storage.clients import s3_client
from trackhub.storage.errors import error_code

_MISSING = {"404", "NoSuchKey", "NotFound"}
_RETRYABLE = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"}


@contextmanager
def _unavailable_on_outage() -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if error_code(exc) in _RETRYABLE:
            raise DependencyUnavailable(
                "The attachment store is temporarily unavailable; retry later"
            ) from exc
        raise
    except BotoCoreError as exc:
        raise DependencyUnavailable("The attachment store is temporarily unavailable; retry later") from exc


def object_key(account_id: str, sha2: str) -> str:
    return f"{account_id}/{sha2.lower()}"


def exists(account_id: str, sha2: str) -> bool:
    with _unavailable_on_outage():
        try:
            s3_client().head_object(
                Bucket=attachment_settings().ATTACHMENTS_BUCKET_NAME, Key=object_key(account_id, sha2)
            )
        except ClientError as exc:
            if error_code(exc) in _MISSING:
                return False
            raise
    return True


def put(account_id: str, sha2: str, content: bytes) -> None:
    with _unavailable_on_outage():
        s3_client().put_object(
            Bucket=attachment_settings().ATTACHMENTS_BUCKET_NAME,
            Key=object_key(account_id, sha2),
            Body=content,
            ContentType="application/octet-stream",
        )


def get(account_id: str, sha2: str) -> bytes | None:
    """The content stored under this hash, or None (a fileUrl-only attachment has none)."""
    with _unavailable_on_outage():
        try:
            answer = s3_client().get_object(
                Bucket=attachment_settings().ATTACHMENTS_BUCKET_NAME, Key=object_key(account_id, sha2)
            )
        except ClientError as exc:
            if error_code(exc) in _MISSING:
                return None
            raise
        return answer["Body"].read()
