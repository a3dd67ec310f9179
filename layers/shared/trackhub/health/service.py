"""Probe each table the function was given (every *_TABLE_NAME variable) with DescribeTable."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import BotoCoreError, ClientError

from trackhub.base_model import HubModel
from trackhub.observability import logger
from trackhub.storage.clients import dynamodb_client

_SUFFIX = "_TABLE_NAME"


class HealthReport(HubModel):
    status: str  # "ok" | "unavailable"
    dependencies: dict[str, str]  # logical name -> "ok" | "unreachable"; never a table name or ARN

    @property
    def healthy(self) -> bool:
        return self.status == "ok"


def _tables() -> dict[str, str]:
    return {k[: -len(_SUFFIX)].lower(): v for k, v in sorted(os.environ.items()) if k.endswith(_SUFFIX)}


def _probe(table_name: str) -> str:
    try:
        status = dynamodb_client().describe_table(TableName=table_name)["Table"].get("TableStatus")
    except (ClientError, BotoCoreError) as exc:
        logger.warning("health probe failed", extra={"table": table_name, "error": type(exc).__name__})
        return "unreachable"
    return "ok" if status in {"ACTIVE", "UPDATING"} else "unreachable"


def check() -> HealthReport:
    tables = _tables()
    with ThreadPoolExecutor(max_workers=max(1, len(tables))) as pool:
        results = dict(zip(tables, pool.map(_probe, tables.values()), strict=True))
    ok = bool(results) and all(state == "ok" for state in results.values())
    return HealthReport(status="ok" if ok else "unavailable", dependencies=results)
