"""Settings read from the environment: defaults, bounds and patterns, errors that name the variable."""

from __future__ import annotations

import pytest

from trackhub.settings.base import SettingsError
from trackhub.settings.collector import CollectorJwtSettings, CollectorSettings
from trackhub.settings.webhooks import DEFAULT_RETRY_SCHEDULE, WebhookSettings


def test_defaults_apply_and_given_values_are_typed() -> None:
    # Given only the required table, then values for the rest
    plain = CollectorSettings.from_env({"COLLECTOR_TABLE_NAME": "c"})
    given = WebhookSettings.from_env(
        {"WEBHOOKS_TABLE_NAME": "w", "WEBHOOK_TIMEOUT_SECONDS": " 2.5 ", "WEBHOOK_MAX_RESPONSE_BYTES": "10"}
    )
    # Then the defaults are the documented ones and given values arrive as int and float
    assert (plain.COLLECTOR_TOKEN_TTL_SECONDS, plain.COLLECTOR_HOME_PAGE) == (86_400, "")
    assert (given.WEBHOOK_TIMEOUT_SECONDS, given.WEBHOOK_MAX_RESPONSE_BYTES) == (2.5, 10)
    assert given.WEBHOOK_RETRY_SCHEDULE == DEFAULT_RETRY_SCHEDULE


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({}, "COLLECTOR_TABLE_NAME is required"),
        ({"COLLECTOR_TABLE_NAME": ""}, "COLLECTOR_TABLE_NAME is required"),
        ({"COLLECTOR_TABLE_NAME": "c", "COLLECTOR_TOKEN_TTL_SECONDS": "59"}, "at least 60"),
        ({"COLLECTOR_TABLE_NAME": "c", "COLLECTOR_TOKEN_TTL_SECONDS": "1e3"}, "must be an integer"),
        ({"COLLECTOR_TABLE_NAME": "c", "COLLECTOR_TOKEN_TTL_SECONDS": str(31 * 86_400)}, "at most"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], problem: str) -> None:
    # Given a missing, empty, out-of-range or mistyped variable / Then the error says which and why
    with pytest.raises(SettingsError, match=problem):
        CollectorSettings.from_env(env)


def test_patterns_and_float_bounds_are_checked() -> None:
    # Given a prefix that is not a parameter path, a schedule with a word, a zero and a NaN timeout
    with pytest.raises(SettingsError, match="COLLECTOR_JWT_PARAMETER_PREFIX must match"):
        CollectorJwtSettings.from_env({"COLLECTOR_JWT_PARAMETER_PREFIX": "no-slash"})
    table = {"WEBHOOKS_TABLE_NAME": "w"}
    with pytest.raises(SettingsError, match="WEBHOOK_RETRY_SCHEDULE must match"):
        WebhookSettings.from_env({**table, "WEBHOOK_RETRY_SCHEDULE": "60,soon"})
    for bad in ("0", "nan", "61"):
        with pytest.raises(SettingsError, match="WEBHOOK_TIMEOUT_SECONDS"):
            WebhookSettings.from_env({**table, "WEBHOOK_TIMEOUT_SECONDS": bad})
