"""`make fuzz`: schemathesis against the merged OpenAPI document of a local stack of its own.

Loopback only and bounded: it starts the local stack on a free port (seeded like `make run`), runs
schemathesis over every operation - the public API authenticated with the demo key that holds every
non-admin scope, then /admin/* unsigned - with a fixed number of examples per operation, a seed and a
time limit per pass, stops the stack, prints the failures and exits 1 if there was any: a 5xx, an
undocumented status code or content type, or a body that breaks its documented schema. Exit 2: the
fuzzer itself failed (no verdict on the hub); a pass ended by a known tool error is run once more.

    .venv/bin/python tools/fuzz.py [--max-examples N] [--max-time SECONDS] [--seed N] [--report-dir D]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the schemathesis runner shared with tests/integration

from hubtest.fuzz import Outcome, passes, run_pass  # noqa: E402

from trackhub_cli.seed import seed_demo  # noqa: E402
from trackhub_local.stack import LocalStack  # noqa: E402


def run(args: argparse.Namespace) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="trackhub-fuzz-") as tmp:
        stack = LocalStack(ROOT / "template.yaml", port=0, log_file=Path(tmp) / "functions.log")
        with stack:
            stack.wait_ready(timeout=90)
            demo = seed_demo(stack.base_url, timeout=60)
            print(f"fuzz: local stack at {stack.base_url}", file=sys.stderr)
            outcomes = []
            tenant = {
                "programs": ["DEMO-PUB", *demo["hubPrograms"].values()],
                "trackingCodes": [demo["trackingCode"], demo["closedTrackingCode"]],
                "webTokens": [demo["webToken"]],
                "accounts": [demo["accountId"]],
            }
            for fuzz_pass in passes(demo["apiKey"], tenant=tenant):
                outcome = run_pass(
                    stack.base_url,
                    fuzz_pass,
                    max_examples=args.max_examples,
                    max_time=args.max_time,
                    seed=args.seed,
                    report_dir=args.report_dir,
                )
                print(
                    f"fuzz: {outcome.name}: {outcome.operations} operations, {outcome.cases} test cases, "
                    f"{len(outcome.failures)} failures, {outcome.seconds:.0f} s",
                    file=sys.stderr,
                )
                outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=25, help="per operation and phase")
    parser.add_argument("--max-time", type=float, default=300.0, help="seconds per pass")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--report-dir", type=Path, default=None, help="keep schemathesis' NDJSON reports")
    args = parser.parse_args(argv)
    started = time.monotonic()
    outcomes = run(args)
    failures = [failure for outcome in outcomes for failure in outcome.failures]
    for failure in failures:
        print(json.dumps(failure, ensure_ascii=False))
    broken = [outcome for outcome in outcomes if outcome.exit_code != 0 and not outcome.failures]
    for outcome in broken:  # schemathesis itself failed (schema not loaded, an error): show its output
        known = f" - the fuzzer's own crash ({outcome.tool_error}), twice" if outcome.tool_error else ""
        print(
            f"fuzz: {outcome.name}: schemathesis exited {outcome.exit_code}{known}\n{outcome.output}",
            file=sys.stderr,
        )
    for outcome in outcomes:
        if outcome.reruns:
            print(
                f"fuzz: {outcome.name}: run again after a known tool error (hubtest.fuzz.TOOL_ERRORS)",
                file=sys.stderr,
            )
    total = sum(outcome.operations for outcome in outcomes)
    cases = sum(outcome.cases for outcome in outcomes)
    elapsed = time.monotonic() - started
    print(
        f"fuzz: {total} operations, {cases} test cases, {len(failures)} failures in {elapsed:.0f} s",
        file=sys.stderr,
    )
    if failures:
        return 1  # the hub answered wrongly
    return 2 if broken else 0  # 2: the fuzzer itself failed (no verdict on the hub)


if __name__ == "__main__":
    sys.exit(main())
