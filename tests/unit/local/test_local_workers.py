"""workers.py: per-function environments, warm reuse, concurrency, timeouts, crashes, init errors."""

from __future__ import annotations

import io
import os
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from trackhub_local.template import Template, load_template
from trackhub_local.workers import Invoker, LogSink, function_environment

HANDLERS = {
    "info": """
        import decimal, importlib.util, os, sys, time

        def lambda_handler(event, context):
            print("to stdout", flush=True)
            print("to stderr", file=sys.stderr, flush=True)
            time.sleep(event.get("sleep", 0))
            return {
                "pid": os.getpid(),
                "function_name": context.function_name,
                "memory": context.memory_limit_in_mb,
                "arn": context.invoked_function_arn,
                "request_id": context.aws_request_id,
                "remaining": context.get_remaining_time_in_millis(),
                "decimal": decimal.Decimal("1.5"),
                "path0": sys.path[0],
                "cwd": os.getcwd(),
                "domain_importable": importlib.util.find_spec("trackhub") is not None,
            }
    """,
    "misbehave": """
        import os, time

        def lambda_handler(event, context):
            if event["do"] == "sleep":
                time.sleep(5)
            if event["do"] == "exit":
                os._exit(7)
            if event["do"] == "raise":
                raise ValueError("bad input")
            if event["do"] == "unserializable":
                return object()
            return os.getpid()
    """,
    "broken": """
        raise RuntimeError("cannot start")

        def lambda_handler(event, context):
            return None
    """,
}


@pytest.fixture
def template(tmp_path: Path) -> Template:
    resources = []
    for name, source in HANDLERS.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
        resources.append(
            f"""
  {name.title()}Function:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {name}/
      Timeout: 1
      Environment:
        Variables:
          ONLY_{name.upper()}: "yes"
"""
        )
    (tmp_path / "template.yaml").write_text(
        "Globals:\n  Function:\n    Handler: app.lambda_handler\n    MemorySize: 256\n"
        "Resources:" + "".join(resources),
        encoding="utf-8",
    )
    return load_template(tmp_path / "template.yaml")


@pytest.fixture
def logs() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def invoker(template: Template, logs: io.StringIO) -> Iterator[Invoker]:
    invoker = Invoker(
        template, endpoint_url="http://127.0.0.1:9", log_sink=LogSink(stream=logs), max_workers_per_function=2
    )
    yield invoker
    invoker.close()


def test_environment_is_the_functions_own(template: Template, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAK_CANARY", "parent-only")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    spec = template.functions["InfoFunction"]
    env = function_environment(spec, template, endpoint_url="http://127.0.0.1:5000", overrides={"EXTRA": "1"})
    assert "LEAK_CANARY" not in env
    assert "POWERTOOLS_METRICS_DISABLED" not in env
    assert "ONLY_MISBEHAVE" not in env
    assert env["ONLY_INFO"] == "yes"
    assert env["EXTRA"] == "1"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == spec.name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "1"
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert "AWS_SESSION_TOKEN" not in env and "AWS_PROFILE" not in env


def test_invocation_context_logs_and_warm_reuse(
    invoker: Invoker, template: Template, logs: io.StringIO
) -> None:
    first = invoker.invoke("InfoFunction", {})
    second = invoker.invoke("InfoFunction", {})
    assert first.ok and second.ok, (first.error, second.error)
    assert first.cold_start and not second.cold_start
    assert first.payload["pid"] == second.payload["pid"] == first.pid  # the same warm environment
    payload = first.payload
    spec = template.functions["InfoFunction"]
    assert payload["function_name"] == spec.name
    assert payload["memory"] == 256
    assert payload["arn"] == template.function_arn("InfoFunction")
    assert payload["request_id"] == first.request_id
    assert 0 < payload["remaining"] <= 1000
    assert payload["decimal"] == 1.5
    assert payload["path0"] == str(spec.code_dir) == payload["cwd"]
    assert payload["domain_importable"] is False  # no layer: the editable install does not leak it in
    # What the function printed went to the log sink, prefixed - not into the protocol. A reader thread
    # forwards it (as Lambda ships logs after the answer), so allow it a moment to arrive.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "[InfoFunction] to stderr" not in logs.getvalue():
        time.sleep(0.02)
    assert "[InfoFunction] to stdout" in logs.getvalue()
    assert "[InfoFunction] to stderr" in logs.getvalue()


def test_concurrent_calls_run_in_parallel_up_to_the_cap(invoker: Invoker) -> None:
    results = []

    def call() -> None:
        results.append(invoker.invoke("InfoFunction", {"sleep": 0.4}))

    threads = [threading.Thread(target=call) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    elapsed = time.monotonic() - started
    assert all(result.ok for result in results)
    pids = {result.pid for result in results}
    assert len(pids) == 2  # the cap: two side by side, the third waited for one of them
    assert len(invoker.worker_pids("InfoFunction")) == 2
    assert elapsed >= 0.8


def test_timeout_kills_the_worker_and_a_new_one_serves_next(invoker: Invoker) -> None:
    warm = invoker.invoke("MisbehaveFunction", {"do": "pid"})
    timed_out = invoker.invoke("MisbehaveFunction", {"do": "sleep"})
    assert timed_out.timed_out and timed_out.error is not None
    assert timed_out.error["errorType"] == "Sandbox.Timedout"
    assert 950 <= timed_out.duration_ms < 2000
    after = invoker.invoke("MisbehaveFunction", {"do": "pid"})
    assert after.ok and after.payload != warm.payload and after.cold_start


def test_crash_error_and_marshal_error(invoker: Invoker) -> None:
    crashed = invoker.invoke("MisbehaveFunction", {"do": "exit"})
    assert crashed.error is not None and crashed.error["errorType"] == "Runtime.ExitError"
    assert "exit status 7" in crashed.error["errorMessage"]
    raised = invoker.invoke("MisbehaveFunction", {"do": "raise"})
    assert raised.error is not None
    assert (raised.error["errorType"], raised.error["errorMessage"]) == ("ValueError", "bad input")
    assert raised.error["stackTrace"]
    unserializable = invoker.invoke("MisbehaveFunction", {"do": "unserializable"})
    assert unserializable.error is not None and unserializable.error["errorType"] == "Runtime.MarshalError"
    assert invoker.invoke("MisbehaveFunction", {"do": "pid"}).ok  # an error does not end the environment


def test_init_errors_are_reported(invoker: Invoker, logs: io.StringIO) -> None:
    result = invoker.invoke("BrokenFunction", {})
    assert result.error is not None and result.error["errorType"] == "Runtime.ImportModuleError"
    assert "cannot start" in result.error["errorMessage"]
    assert "RuntimeError: cannot start" in logs.getvalue()


def test_close_terminates_every_worker(template: Template) -> None:
    invoker = Invoker(template, endpoint_url="http://127.0.0.1:9", log_sink=LogSink(stream=io.StringIO()))
    invoker.invoke("InfoFunction", {})
    invoker.invoke("MisbehaveFunction", {"do": "pid"})
    pids = invoker.worker_pids()
    assert len(pids) == 2
    invoker.close()
    assert invoker.worker_pids() == []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(RuntimeError):
        invoker.invoke("InfoFunction", {})
