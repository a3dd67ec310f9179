"""schemathesis against a running local stack: the command, and the failures its NDJSON report holds.

Two passes, so that fuzzing cannot lock itself out: the public API first, authenticated with the demo
key holding every non-admin scope, then /admin/* (unsigned requests are accepted locally), whose
DELETE routes may revoke that key or its account. Used by `make fuzz` (tools/fuzz.py) and by
tests/integration/test_fuzz.py; docs/fuzzing.md.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The four checks of docs/fuzzing.md. Any 5xx fails not_a_server_error, 503 included: no input the
# fuzzer sends may cause one, and it runs with too few workers to meet real contention.
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
ADMIN = "^/admin/"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


# Where known-good values help the fuzzer past the first check (an unknown program is a 403, an
# unknown tracking code a 404): schemathesis uses the tenant's values with this probability and
# generates the parameter otherwise.
BINDINGS: dict[str, tuple[str, ...]] = {
    "programs": ("query.program", "body.PublisherProgramId", "body.programs[*]"),
    "trackingCodes": ("path.trackingCode",),
    "webTokens": ("query.webToken", "body.webToken"),
    "accounts": ("path.accountId",),
}
KNOWN_VALUE_PROBABILITY = 0.5
Known = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Pass:
    name: str
    auth: tuple[str, str] | None  # Basic userId:apiKey
    filters: tuple[str, ...] = ()  # schemathesis' --include-* / --exclude-* options
    known: Known = ()  # (dictionary, its values) for BINDINGS


def config_toml(known: Known) -> str:
    """schemathesis.toml binding the known values (JSON strings are valid TOML basic strings)."""
    lines: list[str] = []
    for name, values in known:
        if values:
            lines += [f"[dictionaries.{name}]", f"values = [{', '.join(json.dumps(v) for v in values)}]", ""]
    lines.append("[parameters]")
    for name, values in known:
        for location in BINDINGS[name] if values else ():
            lines.append(
                f'"{location}" = {{ dictionary = "{name}", probability = {KNOWN_VALUE_PROBABILITY} }}'
            )
    return "\n".join(lines) + "\n"


def known_values(tenant: dict[str, Any]) -> Known:
    """The dictionaries of a tenant: {"programs": [...], "trackingCodes": [...], ...} (lists of str)."""
    return tuple((name, tuple(str(v) for v in tenant.get(name, ()))) for name in BINDINGS)


def passes(
    key: dict[str, str], *, tenant: dict[str, Any] | None = None, admin_read_only: bool = False
) -> list[Pass]:
    """The public pass with `key` (userId, apiKey: every non-admin scope), then the admin pass.

    `tenant` holds known-good values of the key's account (see BINDINGS and known_values).

    `admin_read_only` keeps the admin pass to GET, for a stack other tests share (its writes could
    revoke their keys, close their tracking codes or replace their JWT settings).
    """
    admin: tuple[str, ...] = ("--include-path-regex", ADMIN)
    if admin_read_only:  # (includes are or-ed, excludes narrow them)
        admin += tuple(arg for method in WRITES for arg in ("--exclude-method", method))
    known = known_values(tenant or {})
    return [
        Pass("public", (key["userId"], key["apiKey"]), ("--exclude-path-regex", ADMIN), known),
        Pass("admin", None, admin, known),
    ]


# The fuzzer's own crashes, not answers of the hub: CPython before 3.11.8 / 3.12.1 can raise this
# SystemError from ast.parse in a threaded program (python/cpython#106905); hypothesis parses lambdas'
# source while schemathesis runs two workers. A pass ending in one is run once more (`run_pass`).
TOOL_ERRORS = ("AST constructor recursion depth mismatch",)


@dataclass
class Outcome:
    name: str
    exit_code: int
    operations: int = 0
    cases: int = 0
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    output: str = ""
    reruns: int = 0  # passes run again after a tool error

    @property
    def tool_error(self) -> str | None:
        """The known fuzzer crash that ended this pass without any failure of the hub, if one did."""
        if self.exit_code == 0 or self.failures:
            return None
        return next((known for known in TOOL_ERRORS if known in self.output), None)


def command(
    base_url: str,
    run: Pass,
    *,
    max_examples: int,
    max_time: float,
    seed: int,
    phases: str,
    report: Path,
    config: Path,
) -> list[str]:
    args = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{base_url}/openapi.json",
        "--url",
        base_url,
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--max-time",
        str(int(max_time)),
        "--seed",
        str(seed),
        "--phases",
        phases,
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--continue-on-failure",
        "--header",  # else every /xapi/* request stops at the version check (a 400)
        "X-Experience-API-Version: 1.0.3",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    if run.auth:
        args += ["--auth", f"{run.auth[0]}:{run.auth[1]}"]
    return [*args, *run.filters]


def _text(content: Any) -> str:
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return "" if content is None else str(content)


def read_report(path: Path, outcome: Outcome) -> None:
    """Fill `outcome` from schemathesis' NDJSON events: one entry per failed check."""
    labels: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if "EngineFinished" in event:
            outcome.seconds = float(event["EngineFinished"].get("running_time", 0.0))
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        labels.add(recorder["label"])
        outcome.cases += len(recorder.get("cases", {}))
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check["status"] != "failure":
                    continue
                case = recorder["cases"][case_id]["value"]
                response = (recorder.get("interactions", {}).get(case_id) or {}).get("response") or {}
                failure = check["failure_info"]["failure"]
                outcome.failures.append(
                    {
                        "operation": recorder["label"],
                        "check": check["name"],
                        "title": failure.get("title"),
                        "message": failure.get("message", "")[:400],
                        "request": {
                            "method": case.get("method"),
                            "path": case.get("path"),
                            "path_parameters": case.get("path_parameters"),
                            "query": case.get("query"),
                            "body": str(case.get("body"))[:300],
                        },
                        "status": response.get("status_code"),
                        "response": _text(response.get("content"))[:300],
                    }
                )
        if finished.get("status") == "error":
            outcome.errors.append(recorder["label"])
    outcome.operations = len(labels)


def run_pass(
    base_url: str,
    run: Pass,
    *,
    max_examples: int,
    max_time: float,
    seed: int = 20261123,
    phases: str = "examples,coverage,fuzzing",
    report_dir: Path | None = None,
) -> Outcome:
    """One schemathesis run; `max_time` bounds it (schemathesis' own budget, plus a hard timeout).
    A run that a known tool error (TOOL_ERRORS) ended is run once more; `reruns` counts it."""
    for attempt in range(2):
        outcome = _run_once(
            base_url,
            run,
            max_examples=max_examples,
            max_time=max_time,
            seed=seed,
            phases=phases,
            report_dir=report_dir,
        )
        outcome.reruns = attempt
        if outcome.tool_error is None:
            break
    return outcome


def _run_once(
    base_url: str,
    run: Pass,
    *,
    max_examples: int,
    max_time: float,
    seed: int,
    phases: str,
    report_dir: Path | None,
) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="trackhub-fuzz-") as tmp:
        report = (report_dir or Path(tmp)) / f"schemathesis-{run.name}.ndjson"
        report.parent.mkdir(parents=True, exist_ok=True)
        config = Path(tmp) / "schemathesis.toml"
        config.write_text(config_toml(run.known), encoding="utf-8")
        args = command(
            base_url,
            run,
            max_examples=max_examples,
            max_time=max_time,
            seed=seed,
            phases=phases,
            report=report,
            config=config,
        )
        completed = subprocess.run(  # noqa: S603 - our own venv's schemathesis, loopback URL
            args, capture_output=True, text=True, timeout=max_time + 120, check=False
        )
        outcome = Outcome(run.name, completed.returncode, output=completed.stdout[-6000:] + completed.stderr)
        if report.exists():
            read_report(report, outcome)
    return outcome
