"""boto3 clients and resources, created on first use and reused for the life of the environment.

Creating a client costs tens of milliseconds, so it is never done at import time (a handler that
answers 401 before touching a table should not pay for it) and never twice.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_s3 import S3Client

# Standard retry mode backs off on throttling; a bounded budget keeps us inside API Gateway's 29 s.
_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)
# The low-level client carries items the hub typed itself (`xapi/repository.attribute_values` and the
# other callers of `dynamodb_client()`): botocore's client-side parameter validation walked every
# attribute of every item again, a fifth of the collector's CPU per batch of 100 statements
# (docs/performance.md, "Session 7"), and DynamoDB validates each request itself (a malformed one is
# answered ValidationException). The resource, fed by callers' plain values, keeps it.
_TYPED_ITEMS_CONFIG = _BOTO_CONFIG.merge(Config(parameter_validation=False))


def _idempotent_transactions(params: dict[str, Any], **_: Any) -> None:
    """Give every TransactWriteItems a ClientRequestToken. Parameters are built once per call, so
    botocore's retries reuse it, and DynamoDB answers a retry whose first attempt committed (its
    answer lost to a timeout) with that success - not with the conditional failure the committed
    first attempt would otherwise cause (a false 409 for the caller's own write)."""
    params.setdefault("ClientRequestToken", str(uuid.uuid4()))


def _with_hooks(client: Any) -> Any:
    client.meta.events.register(
        "before-parameter-build.dynamodb.TransactWriteItems", _idempotent_transactions
    )
    return client


@cache
def dynamodb_resource() -> DynamoDBServiceResource:
    resource = boto3.resource("dynamodb", config=_BOTO_CONFIG)
    _with_hooks(resource.meta.client)
    return resource


@cache
def dynamodb_client() -> DynamoDBClient:
    client: DynamoDBClient = _with_hooks(boto3.client("dynamodb", config=_TYPED_ITEMS_CONFIG))
    return client


@cache
def s3_client() -> S3Client:
    return boto3.client("s3", config=_BOTO_CONFIG)


def table(name: str) -> Table:
    return dynamodb_resource().Table(name)


def reset_clients() -> None:
    """Drop cached clients (tests start a fresh moto backend per case)."""
    dynamodb_resource.cache_clear()
    dynamodb_client.cache_clear()
    s3_client.cache_clear()
