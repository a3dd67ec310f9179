"""bench/cputime.py: a server's CPU is its process and its live children (the local stack's workers)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench import cputime

_BURN = "import sys, time\nwhile time.process_time() < 0.3: pass\nprint('done', flush=True)\nsys.stdin.read()"


@pytest.mark.skipif(not cputime.available(), reason="reads /proc (Linux)")
def test_a_live_child_counts_for_its_parent_unless_excluded() -> None:
    # Given a live child process that has used 0.3 s of CPU and now waits
    child = subprocess.Popen(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", _BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "done"
        # When this process's tree is read with and without it
        with_child = cputime.tree_seconds(os.getpid())
        without = cputime.tree_seconds(os.getpid(), exclude=[child.pid])
        alone = cputime.tree_seconds(child.pid)
        # Then the child's CPU is in the first and only there
        assert alone >= 0.25
        assert with_child - without >= 0.25
        assert without >= 0  # this process's own CPU
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
