"""`make fuzz`'s verdicts: a known crash of the fuzzer itself is run again and told apart from the
hub's failures (tools/fuzz.py exits 1 for failures, 2 when the fuzzer failed, docs/fuzzing.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hubtest import fuzz

CRASH = "SystemError: AST constructor recursion depth mismatch (before=102, after=37)"
FAILURE = {"operation": "GET /health", "check": "not_a_server_error"}


def _scripted(monkeypatch: pytest.MonkeyPatch, outcomes: list[fuzz.Outcome]) -> list[int]:
    runs: list[int] = []

    def run_once(*_: Any, **__: Any) -> fuzz.Outcome:
        runs.append(1)
        return outcomes[len(runs) - 1]

    monkeypatch.setattr(fuzz, "_run_once", run_once)
    return runs


def _pass() -> fuzz.Pass:
    return fuzz.passes({"userId": "key", "apiKey": "secret"}, tenant={})[0]


def test_a_pass_ended_by_the_known_tool_crash_is_run_once_more(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a first run that the CPython ast crash ended, and a clean second one
    runs = _scripted(monkeypatch, [fuzz.Outcome("public", 1, output=CRASH), fuzz.Outcome("public", 0)])
    # When the pass runs
    outcome = fuzz.run_pass("http://127.0.0.1:1", _pass(), max_examples=1, max_time=1)
    # Then it was run again, and the verdict is the second run's
    assert len(runs) == 2 and outcome.exit_code == 0 and outcome.reruns == 1


def test_failures_of_the_hub_are_never_rerun_or_mistaken_for_a_tool_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a run with a failed check whose output also shows the crash
    runs = _scripted(monkeypatch, [fuzz.Outcome("public", 1, failures=[FAILURE], output=CRASH)])
    # When the pass runs
    outcome = fuzz.run_pass("http://127.0.0.1:1", _pass(), max_examples=1, max_time=1)
    # Then the failure stands: one run, no tool error
    assert len(runs) == 1 and outcome.failures == [FAILURE] and outcome.tool_error is None


def test_the_fuzz_tool_exits_2_when_only_the_fuzzer_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "fuzz_tool", Path(__file__).parents[3] / "tools" / "fuzz.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    crashed = fuzz.Outcome("admin", 1, output=CRASH, reruns=1)
    # Given the fuzzer crashing twice on a pass (no failure of the hub), then a failing pass
    monkeypatch.setattr(tool, "run", lambda args: [fuzz.Outcome("public", 0), crashed])
    assert tool.main([]) == 2
    monkeypatch.setattr(tool, "run", lambda args: [fuzz.Outcome("public", 1, failures=[FAILURE]), crashed])
    assert tool.main([]) == 1
