"""Execution environments: a pool of warm worker processes per function, as Lambda keeps them.

Each worker is a `python -m trackhub_local.worker` subprocess that sees only its function's
environment (no variable of this process leaks in), imports the handler once and then serves one
invocation at a time. A pool grows when every worker of the function is busy, up to a cap, so
concurrent requests to one function run side by side in different processes; idle workers are reused
most-recent-first, so sequential calls hit the same warm process. A worker that times out is killed
(Lambda discards a timed-out environment too) and one that crashes is replaced on the next call.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from trackhub_local.template import FunctionSpec, Template

DEFAULT_MAX_WORKERS = 4
# Lambda gives the init phase (imports, module-level code) 10 s of its own before the first invoke.
INIT_TIMEOUT_SECONDS = 10.0
# Variables of this process a worker may see; everything else is the function's own.
_BASE_VARIABLES = ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


class LogSink:
    """Where function logs go: each line prefixed with the function's logical id. Thread-safe."""

    def __init__(self, stream: IO[str] | None = None, path: str | Path | None = None) -> None:
        self._lock = threading.Lock()
        self._owned: IO[str] | None = None
        self.path = Path(path) if path is not None else None
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._owned = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed in close()
        self._stream: IO[str] = self._owned or stream or sys.stderr

    def write(self, source: str, line: str) -> None:
        with self._lock:
            if self._stream.closed:
                return
            self._stream.write(f"[{source}] {line}\n")
            self._stream.flush()

    def close(self) -> None:
        with self._lock:
            if self._owned is not None:
                self._owned.close()


@dataclass(frozen=True)
class InvocationResult:
    function: str
    request_id: str
    payload: Any = None  # what the handler returned (JSON-decoded)
    error: dict[str, Any] | None = None  # {"errorType", "errorMessage", "stackTrace"}
    timed_out: bool = False
    duration_ms: float = 0.0
    pid: int | None = None
    cold_start: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class WorkerGone(Exception):
    """The worker process exited (or closed its pipe) before answering."""


class _Worker:
    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], sink: LogSink) -> None:
        self.spec = spec
        command = [sys.executable, "-m", "trackhub_local.worker", "--code-dir", str(spec.code_dir)]
        command += ["--handler", spec.handler]
        for layer in spec.layer_dirs:
            command += ["--layer", str(layer)]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=spec.code_dir,
            bufsize=0,
            # Its own session: a terminal's Ctrl-C reaches the stack, which then stops workers in order.
            start_new_session=True,
        )
        self.pid = self.process.pid
        self._buffer = b""
        self._stderr = threading.Thread(
            target=self._forward_logs, args=(sink,), name=f"logs-{spec.logical_id}-{self.pid}", daemon=True
        )
        self._stderr.start()

    def _forward_logs(self, sink: LogSink) -> None:
        assert self.process.stderr is not None
        fd, pending = self.process.stderr.fileno(), b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                sink.write(self.spec.logical_id, line.decode("utf-8", "replace").rstrip("\r"))
        if pending:
            sink.write(self.spec.logical_id, pending.decode("utf-8", "replace"))

    def send(self, message: Mapping[str, Any]) -> None:
        assert self.process.stdin is not None
        data = memoryview(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        try:
            fd = self.process.stdin.fileno()
            while data:  # a pipe may take a large event in several writes
                data = data[os.write(fd, data) :]
        except (OSError, ValueError) as exc:
            raise WorkerGone from exc

    def receive(self, deadline: float) -> dict[str, Any] | None:
        """The next protocol message, or None when the deadline (time.monotonic) passes first."""
        assert self.process.stdout is not None
        try:
            fd = self.process.stdout.fileno()
        except ValueError as exc:
            raise WorkerGone from exc
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                readable, _, _ = select.select([fd], [], [], remaining)
                if not readable:
                    return None
                chunk = os.read(fd, 65536)
            except (OSError, ValueError) as exc:  # the stack closed the pipe while shutting down
                raise WorkerGone from exc
            if not chunk:
                raise WorkerGone
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        return message

    def exit_status(self) -> int | None:
        try:
            return self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self._reap()

    def stop(self, grace: float = 1.0) -> None:
        """Close stdin (the worker's loop ends), then kill if it does not exit within `grace`."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._reap()

    def _reap(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL is not ignored; this is a bound
            self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        self._stderr.join(timeout=2)
        if self.process.stderr is not None and not self.process.stderr.closed:
            self.process.stderr.close()


class _Pool:
    """The workers of one function: idle ones ready to reuse, a count of all, a cap."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], sink: LogSink, cap: int) -> None:
        self.spec = spec
        self.env = dict(env)
        self.sink = sink
        self.cap = cap
        self.idle: list[_Worker] = []
        self.all: set[_Worker] = set()
        self.starting = 0
        self.closed = False
        self.cond = threading.Condition()

    def acquire(self) -> tuple[_Worker, bool]:
        """A worker for one invocation and whether it was started for it (a cold start)."""
        with self.cond:
            while True:
                if self.closed:
                    raise RuntimeError("the invoker is closed")
                if self.idle:
                    return self.idle.pop(), False  # the most recently used: warmest
                if len(self.all) + self.starting < self.cap:
                    self.starting += 1
                    break
                self.cond.wait()
        try:
            worker = _Worker(self.spec, self.env, self.sink)
        finally:
            with self.cond:
                self.starting -= 1
                self.cond.notify_all()
        with self.cond:
            self.all.add(worker)
            if self.closed:
                self.all.discard(worker)
                worker.kill()
                raise RuntimeError("the invoker is closed")
        return worker, True

    def release(self, worker: _Worker, reusable: bool) -> None:
        with self.cond:
            if reusable and not self.closed:
                self.idle.append(worker)
            else:
                self.all.discard(worker)
            self.cond.notify_all()
        if not reusable:
            worker.kill()

    def close(self) -> list[_Worker]:
        with self.cond:
            self.closed = True
            workers = list(self.all)
            self.all.clear()
            self.idle.clear()
            self.cond.notify_all()
        return workers

    def pids(self) -> list[int]:
        with self.cond:
            return sorted(worker.pid for worker in self.all)


@functools.cache
def _bootstrap_pythonpath() -> str | None:
    """PYTHONPATH a worker needs to find this package: none when it is installed (the normal case)."""
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('trackhub_local') is None)"
    env = {k: os.environ[k] for k in _BASE_VARIABLES if k in os.environ}
    found = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe], env=env, cwd=tempfile.gettempdir(), check=False, timeout=30
    )
    return None if found.returncode == 0 else str(_PACKAGE_PARENT)


def base_environment() -> dict[str, str]:
    """The few variables of this process a child may inherit, plus what it needs to find this package."""
    env = {name: os.environ[name] for name in _BASE_VARIABLES if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "en_US.UTF-8")
    bootstrap = _bootstrap_pythonpath()
    if bootstrap is not None:
        env["PYTHONPATH"] = bootstrap
    return env


def function_environment(
    spec: FunctionSpec,
    template: Template,
    *,
    endpoint_url: str,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Everything a worker of `spec` sees in os.environ."""
    env = base_environment()
    bootstrap = env.pop("PYTHONPATH", None)
    env.update(spec.env)
    # The runtime's reserved variables (a template cannot set those in AWS either).
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": template.region,
            "AWS_REGION": template.region,
            # No developer profile or instance metadata may leak into a function.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
            "TZ": "UTC",
            # X-Ray has no local daemon; metrics stay enabled (EMF lines are just log lines).
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    if bootstrap is not None:
        env["PYTHONPATH"] = bootstrap  # the worker removes it before loading the function
    env.update(overrides or {})
    return env


class Invoker:
    """Invokes the template's functions in their pools of warm worker processes."""

    def __init__(
        self,
        template: Template,
        *,
        endpoint_url: str,
        log_sink: LogSink | None = None,
        max_workers_per_function: int = DEFAULT_MAX_WORKERS,
        env_overrides: Mapping[str, str] | None = None,
        function_env_overrides: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        if max_workers_per_function < 1:
            raise ValueError("max_workers_per_function must be at least 1")
        self.template = template
        self.sink = log_sink or LogSink()
        self._lock = threading.Lock()
        self._closed = False
        self._pools: dict[str, _Pool] = {}
        for logical_id, spec in template.functions.items():
            overrides = {**(env_overrides or {}), **((function_env_overrides or {}).get(logical_id) or {})}
            env = function_environment(spec, template, endpoint_url=endpoint_url, overrides=overrides)
            self._pools[logical_id] = _Pool(spec, env, self.sink, max_workers_per_function)

    def environment(self, function_logical_id: str) -> dict[str, str]:
        return dict(self._pools[function_logical_id].env)

    def worker_pids(self, function_logical_id: str | None = None) -> list[int]:
        pools = [self._pools[function_logical_id]] if function_logical_id else list(self._pools.values())
        return sorted(pid for pool in pools for pid in pool.pids())

    def invoke(self, function_logical_id: str, event: Any) -> InvocationResult:
        pool = self._pools.get(function_logical_id)
        if pool is None:
            raise KeyError(f"no function {function_logical_id!r} in the template")
        spec = pool.spec
        request_id = str(uuid.uuid4())
        worker, cold = pool.acquire()
        reusable = False
        started = time.monotonic()
        try:
            if cold:
                init = worker.receive(started + max(INIT_TIMEOUT_SECONDS, spec.timeout))
                if init is None:
                    return self._failed(
                        spec, request_id, worker, "Sandbox.Timedout", "init phase timed out", True
                    )
                if "initError" in init:
                    return InvocationResult(
                        spec.logical_id, request_id, error=init["initError"], pid=worker.pid
                    )
                started = time.monotonic()
            deadline_ms = int(time.time() * 1000) + spec.timeout * 1000
            worker.send({"event": event, "context": self._context(spec, request_id, deadline_ms)})
            answer = worker.receive(started + spec.timeout)
            duration = (time.monotonic() - started) * 1000
            if answer is None:
                message = f"{request_id} Task timed out after {spec.timeout:.2f} seconds"
                self.sink.write(spec.logical_id, message)
                return self._failed(spec, request_id, worker, "Sandbox.Timedout", message, True, duration)
            reusable = True
            self.sink.write(spec.logical_id, f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms")
            return InvocationResult(
                spec.logical_id,
                request_id,
                payload=answer.get("result"),
                error=answer.get("error"),
                duration_ms=duration,
                pid=worker.pid,
                cold_start=cold,
            )
        except WorkerGone:
            status = worker.exit_status()
            message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"
            self.sink.write(spec.logical_id, message)
            return self._failed(spec, request_id, worker, "Runtime.ExitError", message, False)
        finally:
            pool.release(worker, reusable)

    def _failed(
        self,
        spec: FunctionSpec,
        request_id: str,
        worker: _Worker,
        error_type: str,
        message: str,
        timed_out: bool,
        duration: float = 0.0,
    ) -> InvocationResult:
        error = {"errorType": error_type, "errorMessage": message, "stackTrace": []}
        return InvocationResult(
            spec.logical_id,
            request_id,
            error=error,
            timed_out=timed_out,
            duration_ms=duration,
            pid=worker.pid,
        )

    def _context(self, spec: FunctionSpec, request_id: str, deadline_ms: int) -> dict[str, Any]:
        return {
            "function_name": spec.name,
            "function_version": "$LATEST",
            "memory_limit_in_mb": spec.memory,
            "invoked_function_arn": self.template.function_arn(spec.logical_id),
            "aws_request_id": request_id,
            "log_group_name": f"/aws/lambda/{spec.name}",
            "log_stream_name": "local",
            "deadline": deadline_ms,
        }

    def close(self) -> None:
        """Stop every worker (idle ones exit on EOF; busy ones are killed after a short grace)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        workers = [worker for pool in self._pools.values() for worker in pool.close()]
        threads = [threading.Thread(target=worker.stop, daemon=True) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
