"""Web tracking unit tests: every template table in moto, an account with a launch, a controllable clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from wt_support import World, provision

from trackhub.storage.items import utc_now

# Powertools reads POWERTOOLS_* when trackhub.observability is first imported; nothing here imports it
# at collection time (that would leave the Metrics singleton without a namespace for every suite).
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "trackhub")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "trackhub")


@pytest.fixture(autouse=True)
def _metrics_namespace() -> None:
    """If another suite imported trackhub.observability before the variables were set, fix it up."""
    from trackhub.observability import metrics

    if metrics.provider.namespace is None:
        metrics.provider.namespace = "trackhub"


@pytest.fixture
def world(hub_tables: dict[str, str]) -> World:
    return provision()


@pytest.fixture
def advance_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[float], None]]:
    """advance(seconds): the service's clock moves that far ahead of real time."""
    from trackhub.webtracking import service

    offset = [0.0]

    def now() -> datetime:
        return utc_now() + timedelta(seconds=offset[0])

    monkeypatch.setattr(service, "clock", now)

    def advance(seconds: float) -> None:
        offset[0] += seconds

    yield advance
