"""CPU seconds a server spends, read from /proc (Linux): a process and every live descendant.

The local stack serves from the benchmark's own process (gateway and moto threads) and its worker
children; Ralph from a child process of its own. `os.times()` counts only children that have exited,
so live ones are read from /proc/<pid>/stat (utime + stime, fields 14 and 15).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_PROC = Path("/proc")


def available() -> bool:
    return (_PROC / str(os.getpid()) / "stat").exists()


def _stat(pid_dir: Path) -> tuple[int, int, float] | None:
    """(pid, parent pid, CPU seconds) of one /proc entry; None when it is gone or not a process."""
    try:
        text = (pid_dir / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name (field 2) may hold spaces
    ticks = os.sysconf("SC_CLK_TCK")
    return int(pid_dir.name), int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks


def tree_seconds(root: int, exclude: Iterable[int] = ()) -> float:
    """CPU seconds of `root` and its live descendants, leaving out `exclude` and their descendants."""
    processes = [s for s in (_stat(d) for d in _PROC.iterdir() if d.name.isdigit()) if s is not None]
    children: dict[int, list[int]] = {}
    seconds: dict[int, float] = {}
    for pid, parent, cpu in processes:
        children.setdefault(parent, []).append(pid)
        seconds[pid] = cpu
    skipped, total, todo = set(exclude), 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in skipped:
            continue
        total += seconds.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total
