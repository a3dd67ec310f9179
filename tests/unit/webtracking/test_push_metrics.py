"""The push counter the operations dashboard shows (WebTrackingPushes) is flushed by the handler."""

from __future__ import annotations

import json
from typing import Any

import pytest
from wt_support import World, push


def _emitted(out: str) -> list[dict[str, Any]]:
    """The EMF documents Powertools printed (one JSON object per line)."""
    docs = []
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            docs.append(json.loads(line))
    return docs


def _count(docs: list[dict[str, Any]], name: str) -> float:
    total = 0.0
    for doc in docs:
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "trackhub"
        assert directive["Dimensions"] == [["service"]] and doc["service"] == "trackhub"
        if any(m["Name"] == name for m in directive["Metrics"]):
            value = doc[name]
            total += sum(value) if isinstance(value, list) else value
    return total


def test_every_accepted_push_counts_once_even_one_that_changes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"webToken": world.demo.web_token, "progress": 40}
    capsys.readouterr()
    # When the same push is accepted twice (the second changes nothing)
    assert push(world.platform, body).status == 200
    assert push(world.platform, body).status == 200
    # Then each invocation flushed WebTrackingPushes = 1 in the hub's namespace
    assert _count(_emitted(capsys.readouterr().out), "WebTrackingPushes") == 2


def test_a_refused_push_is_not_counted(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    # When a push is refused (400: progress out of range)
    reply = push(world.platform, {"webToken": world.demo.web_token, "progress": 101})
    assert reply.status == 400, reply.body
    # Then no push is counted
    assert _count(_emitted(capsys.readouterr().out), "WebTrackingPushes") == 0
