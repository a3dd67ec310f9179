"""Collector unit tests: every template table in moto, an account with tracking codes and JWT settings."""

from __future__ import annotations

import os
from collections.abc import Iterator

# Powertools reads POWERTOOLS_* when trackhub.observability is first imported, which for this package is
# at collection time (below): set them first, or metrics cannot flush in whichever tests run later.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "trackhub")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "trackhub")

import pytest
from collector_support import ISSUER, SECRET, Acme

from trackhub.collector import admin, jwt_settings
from trackhub.collector.api_models import CreateTrackingCodeRequest
from trackhub.collector.models import JwtSettings
from trackhub.config import reset_settings
from trackhub.tenancy import service as tenancy


@pytest.fixture(autouse=True)
def _metrics_namespace() -> None:
    """Powertools reads its namespace when trackhub.observability is first imported (maybe before the
    test environment was set): make sure metrics can flush."""
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture
def acme(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Acme]:
    monkeypatch.setenv("COLLECTOR_JWT_PARAMETER_PREFIX", "/unit/collector/jwt")
    monkeypatch.setenv("STATEMENTS_WRITE_BACKOFF_MS", "0")
    reset_settings()
    jwt_settings.reset()
    account = tenancy.create_account("Acme Games", "acme")
    codes = {
        name: admin.create_code(
            "acme", CreateTrackingCodeRequest(name=name, trackingCode=name, **options)
        ).code
        for name, options in {
            "open-game": {},
            "closed-game": {"open": False},
            "members-game": {"allowAnonymous": False, "participants": ["alice"]},
        }.items()
    }
    admin.put_jwt_settings("acme", JwtSettings(algorithm="HS256", secret=SECRET, issuer=ISSUER))
    key, secret = tenancy.create_key("acme", ["collector"], "xapi reader")
    yield Acme(
        account_id=account.account_id,
        open_code=codes["open-game"],
        closed_code=codes["closed-game"],
        members_code=codes["members-game"],
        key=(key.user_id, secret),
        collector_program=account.hub_programs.collector,
    )
    jwt_settings.reset()
