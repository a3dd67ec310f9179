"""Per-account JWT settings in SSM Parameter Store: one SecureString JSON per account.

Read with Powertools Parameters (decrypted, cached for COLLECTOR_JWT_SETTINGS_MAX_AGE seconds) on
every identified start; written only by the admin API. The HS256 secret never leaves this module
except to verify a signature.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from trackhub.collector.models import JwtSettings
from trackhub.config import collector_jwt_settings
from trackhub.errors import DependencyUnavailable
from trackhub.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

# Powertools Parameters (~50 ms of imports) is imported where it is used: only identified starts and
# the admin JWT routes read or write settings; every other collector function would pay it at init.

_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)


@cache
def _ssm() -> SSMClient:
    return boto3.client("ssm", config=_BOTO_CONFIG)


def parameter_name(account_id: str) -> str:
    return f"{collector_jwt_settings().COLLECTOR_JWT_PARAMETER_PREFIX.rstrip('/')}/{account_id}"


def put(account_id: str, settings: JwtSettings) -> None:
    try:
        _ssm().put_parameter(
            Name=parameter_name(account_id),
            Value=settings.model_dump_json(exclude_none=True),
            Type="SecureString",
            Overwrite=True,
            Description=f"trackhub collector JWT settings of account {account_id}",
        )
    except (ClientError, BotoCoreError) as exc:
        raise DependencyUnavailable("the parameter store is unavailable; retry later") from exc
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]  # this environment sees its own write at once


def get(account_id: str, *, fresh: bool = False) -> JwtSettings | None:
    """The account's settings, or None when it has none (or they no longer parse)."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        raw = parameters.get_parameter(
            parameter_name(account_id),
            decrypt=True,
            force_fetch=fresh,
            max_age=collector_jwt_settings().COLLECTOR_JWT_SETTINGS_MAX_AGE,
        )
    except GetParameterError as exc:
        if "ParameterNotFound" not in str(exc):
            logger.warning("could not read JWT settings", extra={"account_id": account_id, "error": str(exc)})
        return None
    try:
        return JwtSettings.model_validate(json.loads(raw if isinstance(raw, str | bytes) else "null"))
    except (ValueError, ValidationError):
        logger.warning("JWT settings do not parse", extra={"account_id": account_id})
        return None


def reset() -> None:
    """Forget cached clients and values (tests)."""
    from aws_lambda_powertools.utilities import parameters

    _ssm.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
