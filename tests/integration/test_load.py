"""`make load` in a small configuration: the same script in a process of its own (its own local
stack and moto, whatever this session's stack holds), a few seconds of load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = [
    "--publishes=6",
    "--pushes=4",
    "--tracks=3",
    "--renders=3",
    "--launches=2",
    "--fail-every=6",
    "--concurrency=4",
    "--time-limit=90",
    "--settle-seconds=40",
    "--retry-schedule=0",
]


def test_a_small_load_run_loses_nothing_acknowledged() -> None:
    # Given a small configuration: every kind of write, a failing receiver, retries without delay
    # When the load runs and verifies
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "tools" / "load.py"), *SMALL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    report = json.loads(done.stdout)
    # Then it exits 0 with nothing missing, and it really wrote, read back and delivered what it counts
    assert done.returncode == 0 and report["problems"] == [], (report, done.stderr[-2000:])
    acknowledged, readable = report["acknowledged"], report["readable"]
    assert readable["events in feed"] == acknowledged["events"] > 0
    assert readable["statements"] == acknowledged["statements"] > 0
    assert readable["progress as acknowledged"] == acknowledged["launches pushed"] == 2
    deliveries = report["deliveries"]
    assert deliveries["ok"]["delivered"] >= acknowledged["events"]
    assert deliveries["render"]["delivered"] == acknowledged["render calls queued"] > 0
    # And the failing receiver's delivery was tried ten times, then parked
    parked = deliveries["failing"]["parked"]
    assert report["receiver calls"]["failing"] == 10 * parked
