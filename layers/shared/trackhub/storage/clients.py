"""boto3 clients and resources, created on first use and reused for the life of the environment.

Creating a client costs tens of milliseconds, so it is never done at import time (a handler that
answers 401 before touching a table should not pay for it) and never twice.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table

# Standard retry mode backs off on throttling; a bounded budget keeps us inside API Gateway's 29 s.
_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)


@cache
def dynamodb_resource() -> DynamoDBServiceResource:
    return boto3.resource("dynamodb", config=_BOTO_CONFIG)


@cache
def dynamodb_client() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_BOTO_CONFIG)


def table(name: str) -> Table:
    return dynamodb_resource().Table(name)


def reset_clients() -> None:
    """Drop cached clients (tests start a fresh moto backend per case)."""
    dynamodb_resource.cache_clear()
    dynamodb_client.cache_clear()
