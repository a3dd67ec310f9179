"""Translate botocore failures into domain errors at the repository boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


# Why DynamoDB cancels a transaction without any condition failing: capacity or contention, both
# worth retrying later (botocore never retries TransactionCanceledException itself).
_TRANSIENT_CANCELLATIONS = {"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}


def cancellation_codes(exc: ClientError) -> list[str]:
    """The per-item reasons of a TransactionCanceledException ("None" for items that were fine)."""
    if error_code(exc) != "TransactionCanceledException":
        return []
    reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons") or []  # type: ignore[assignment]
    return [str(reason.get("Code") or "None") for reason in reasons]


def is_transient_cancellation(exc: ClientError) -> bool:
    codes = [code for code in cancellation_codes(exc) if code != "None"]
    return bool(codes) and all(code in _TRANSIENT_CANCELLATIONS for code in codes)


def is_conditional_failure(exc: ClientError) -> bool:
    """A condition did not hold. A transaction cancelled only by throttling is not one (it is an outage)."""
    code = error_code(exc)
    if code == "TransactionCanceledException":
        return not is_transient_cancellation(exc) or "TransactionConflict" in cancellation_codes(exc)
    return code == "ConditionalCheckFailedException"


@contextmanager
def unavailable_on_outage(what: str) -> Iterator[None]:
    """Turn throttling/outage errors (after botocore's own retries) into a clean 503."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) in _RETRYABLE or (
            is_transient_cancellation(exc) and "TransactionConflict" not in cancellation_codes(exc)
        ):
            raise DependencyUnavailable(f"{what} is temporarily unavailable; retry later") from exc
        raise
    except BotoCoreError as exc:
        raise DependencyUnavailable(f"{what} is temporarily unavailable; retry later") from exc
