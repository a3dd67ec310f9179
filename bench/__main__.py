"""`make bench`: run every part, print one table, write bench/results.json.

    python -m bench [--parts cold,sizes,calls,throughput,ralph] [--rounds 5] [--out bench/results.json]

Environment: RALPH_VENV (Ralph's venv; default bench/.ralph-venv, created on first use),
BENCH_SAM_BUILD (an existing `sam build` folder instead of building one).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import coldstart, cputime, report, sizes
from trackhub_local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("cold", "sizes", "calls", "throughput", "ralph")


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def calls_part(work: Path) -> dict[str, Any]:
    """In a process of its own: the call counter must see every client from its creation on."""
    out = work / "calls.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    with (work / "calls.log").open("wb") as log:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.calls", "--out", str(out)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        tail = (work / "calls.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"bench.calls failed:\n{tail}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def stack_parts(work: Path, parts: set[str], results: dict[str, Any]) -> None:
    from bench import throughput
    from bench.client import Client
    from bench.workload import batches as statement_batches
    from trackhub_cli.seed import seed_demo
    from trackhub_local.stack import LocalStack

    counts = throughput.Counts()
    receiver = throughput.receiver_for(work)
    stack = LocalStack(
        ROOT / "template.yaml",
        port=0,
        log_file=work / "functions.log",
        env_overrides={
            "WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
            "SSL_CERT_FILE": str(receiver.ca_file),
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        },
    )
    with contextlib.ExitStack() as running:
        running.callback(receiver.stop)
        stack.start()
        running.callback(stack.stop)
        stack.wait_ready()
        say(f"local stack on {stack.base_url}; seeding")
        demo = seed_demo(stack.base_url, timeout=30)
        client = running.enter_context(Client(stack.base_url))
        track, actor, object_id = throughput.collector_target(client, demo)
        targets = [track]
        ralph_pids: list[int] = []
        if "ralph" in parts:
            from bench import ralph

            say("starting Ralph beside it")
            ralph_url, authorization, ralph_pid = running.enter_context(ralph.running_ralph(work))
            ralph_pids.append(ralph_pid)
            targets.append(ralph.target(running.enter_context(Client(ralph_url)), authorization, ralph_pid))
        if cputime.available():
            # the stack serves from this process (gateway, moto) and its workers; this thread is the client
            targets[0] = dataclasses.replace(
                track,
                server_cpu=lambda: cputime.tree_seconds(os.getpid(), exclude=ralph_pids) - time.thread_time(),
            )
        warmup = statement_batches(actor, object_id, count=counts.warmup_batches, size=counts.batch_size)
        batches = statement_batches(actor, object_id, count=counts.batches, size=counts.batch_size)
        names = ", ".join(target.name for target in targets)
        say(f"statements: {counts.batches} batches of {counts.batch_size} to {names}, interleaved")
        ingested = throughput.interleaved(targets, batches, warmup)
        if "ralph" in parts:
            ralph.check_stored(targets[1], batches[-1][-1]["id"])
            results["ralph"] = ingested["ralph"].summary()
            results["trackhub_vs_ralph"] = round(
                ingested["trackhub"].per_second / ingested["ralph"].per_second, 2
            )
        series = [ingested["trackhub"]]
        if "throughput" in parts:
            say(f"events: {counts.events}; pushes: {counts.pushes}; deliveries: {counts.deliveries}")
            series.append(throughput.events_series(client, demo, counts))
            series.append(throughput.pushes_series(client, demo, counts))
            series.append(throughput.deliveries_series(client, demo, receiver, counts))
        results["throughput"] = {s.name: s.summary() for s in series}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="comma-separated subset of " + ",".join(PARTS)
    )
    parser.add_argument("--rounds", type=int, default=5, help="fresh interpreters per cold start (≥ 5)")
    parser.add_argument("--only", default="", help="cold starts of these logical ids only (comma-separated)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    started = time.monotonic()
    template = load_template(ROOT / "template.yaml")
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
    }
    with tempfile.TemporaryDirectory(prefix="trackhub-bench-") as tmp:
        work = Path(tmp)
        if parts & {"cold", "sizes"}:
            say("sam build (cached after the first run)")
            with sizes.built() as build_dir:
                if "sizes" in parts:
                    results["sizes"] = sizes.measure(build_dir, sorted(template.functions))
                blocked = coldstart.not_in_layer(build_dir / "SharedLayer" / "python")
            if "cold" in parts:
                chosen = {name.strip() for name in args.only.split(",") if name.strip()}
                measured = coldstart.measure(
                    template,
                    args.rounds,
                    blocked,
                    only=lambda spec: not chosen or spec.logical_id in chosen,
                    progress=say,
                )
                results["cold_start"] = coldstart.summary(measured)
                results["cold_start"]["not_in_layer"] = sorted(blocked)
        if "calls" in parts:
            say("AWS calls per operation")
            results["calls"] = calls_part(work)
        if parts & {"throughput", "ralph"}:
            stack_parts(work, parts, results)
    results["seconds"] = round(time.monotonic() - started, 1)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(report.render(results))
    say(f"wrote {args.out} in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
