"""Ralph LRS side by side: its own venv, started on loopback, fed the same batches, stopped.

The venv is $RALPH_VENV when set, else bench/.ralph-venv, created on first use with
`pip install ralph-malph[backend-fs,lrs]==5.1.0 requests` from PyPI: `ralph.api` imports `requests`
(for its OIDC auth) although no extra of 5.1.0 but `backend-ldp` requires it.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import cputime
from bench.client import Client
from bench.throughput import Lrs

HERE = Path(__file__).resolve().parent
DEFAULT_VENV = HERE / ".ralph-venv"
RALPH_REQUIREMENTS = ("ralph-malph[backend-fs,lrs]==5.1.0", "requests")
STATEMENTS_PATH = "/xAPI/statements"
START_TIMEOUT = 60.0


def ralph_venv() -> Path:
    """The venv holding Ralph: created (from PyPI) when it does not exist yet."""
    given = os.environ.get("RALPH_VENV")
    path = Path(given or DEFAULT_VENV)
    python = path / "bin" / "python"
    if not python.exists():
        print(f"bench: installing {' '.join(RALPH_REQUIREMENTS)} into {path}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
        _pip_install(python, RALPH_REQUIREMENTS)
    importable = subprocess.run(  # noqa: S603 - the venv's own interpreter
        [str(python), "-c", "import ralph.backends.lrs.fs, requests, uvicorn, bcrypt"],
        capture_output=True,
        check=False,
    )
    if importable.returncode != 0:
        if given:
            raise RuntimeError(
                f"{path} cannot import Ralph's API: pip install {' '.join(RALPH_REQUIREMENTS)}"
            )
        _pip_install(python, RALPH_REQUIREMENTS)
    return path


def _pip_install(python: Path, requirements: tuple[str, ...]) -> None:
    subprocess.run(  # noqa: S603 - the venv's pip, fixed requirements
        [str(python), "-m", "pip", "install", "--quiet", *requirements], check=True, timeout=900
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_ralph(work: Path) -> Iterator[tuple[str, str, int]]:
    """Ralph on 127.0.0.1: yields (base URL, Basic header, process id); stopped (and its files left in
    `work`) after."""
    python = ralph_venv() / "bin" / "python"
    port, user, password = free_port(), "bench", secrets.token_urlsafe(16)
    log = (work / "ralph.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our launcher, fixed arguments
        [
            str(python),
            str(HERE / "ralph_launcher.py"),
            *("--port", str(port), "--data-dir", str(work / "data"), "--auth-file", str(work / "auth.json")),
            *("--user", user, "--password", password),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=work,
        env={"PATH": os.environ.get("PATH", os.defpath), "HOME": str(work), "LANG": "C.UTF-8"},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_listening(port, process, work / "ralph.log")
        except (RuntimeError, TimeoutError) as exc:
            tail = (work / "ralph.log").read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{exc}\n{tail}") from exc
        yield base_url, "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(), process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Ralph exited with {process.returncode} before listening: see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"Ralph did not listen on {port} within {START_TIMEOUT} s")


def target(client: Client, authorization: str, pid: int) -> Lrs:
    headers = {"Authorization": authorization, "X-Experience-API-Version": "1.0.3"}
    server_cpu = (lambda: cputime.tree_seconds(pid)) if cputime.available() else None
    return Lrs("ralph", client, STATEMENTS_PATH, headers, 200, server_cpu)


def check_stored(lrs: Lrs, statement_id: str) -> None:
    """Ralph's read side finds the statement: what it acknowledged is really there."""
    check = lrs.client.request("GET", f"{STATEMENTS_PATH}?statementId={statement_id}", headers=lrs.headers)
    if check.status != 200:
        raise RuntimeError(f"Ralph lost statement {statement_id}: {check.status} {check.body[:200]!r}")
