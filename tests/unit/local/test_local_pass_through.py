"""`make run` hands the webhook sender's settings from the shell to the functions, and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trackhub_local import main as local_main


def test_only_the_named_variables_pass_and_only_when_set() -> None:
    # Given a shell with two of the variables and an unrelated secret
    shell = {
        "WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
        "SSL_CERT_FILE": "/tmp/ca.pem",
        "AWS_SECRET_ACCESS_KEY": "x",
    }
    # When the pass-through set is computed / Then exactly those two go to the functions
    assert local_main.passed_through(shell) == {
        "WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
        "SSL_CERT_FILE": "/tmp/ca.pem",
    }
    assert local_main.passed_through({}) == {}


def test_main_gives_them_to_the_stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Given a shell asking for a loopback allowance and a tiny retry schedule
    monkeypatch.setenv("WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0,1")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    seen: dict[str, Any] = {}

    class FakeStack:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            seen.update(kwargs)

        def start(self) -> None:
            raise RuntimeError("stop here")

        def stop(self) -> None:
            pass

    monkeypatch.setattr(local_main, "LocalStack", FakeStack)
    monkeypatch.setattr(local_main.signal, "signal", lambda *args: None)  # keep pytest's own handlers
    monkeypatch.setenv("HUB_DEMO_FILE", str(tmp_path / "demo.json"))
    # When trackhub-local starts
    assert local_main.main([]) == 1
    # Then the stack sets them in every function's environment
    assert seen["env_overrides"] == {"WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8", "WEBHOOK_RETRY_SCHEDULE": "0,1"}
