"""Translate botocore failures into domain errors at the repository boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from trackhub.errors import DependencyUnavailable

_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "ResourceNotFoundException",
}


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_conditional_failure(exc: ClientError) -> bool:
    return error_code(exc) in {"ConditionalCheckFailedException", "TransactionCanceledException"}


@contextmanager
def unavailable_on_outage(what: str) -> Iterator[None]:
    """Turn throttling/outage errors (after botocore's own retries) into a clean 503."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) in _RETRYABLE:
            raise DependencyUnavailable(f"{what} is temporarily unavailable; retry later") from exc
        raise
    except BotoCoreError as exc:
        raise DependencyUnavailable(f"{what} is temporarily unavailable; retry later") from exc
