"""Fresh interpreters shaped like a Lambda environment's: the tests that guard what a cold start loads.

The dev venv holds packages botocore imports when present (pyOpenSSL brings `cryptography`, awscrt)
that the built layer lacks; the child refuses them, as bench/coldstart.py refuses every such module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared"
NOT_IN_LAYER = ("OpenSSL", "awscrt")

_PRELUDE = """
import sys

class NotInLayer:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(name)
        return None

sys.meta_path.insert(0, NotInLayer())
sys.path[:0] = {paths!r}
"""


# Child code: a Lambda context object, for a child that invokes a handler
LAMBDA_CONTEXT = """type("Context", (), {
    "aws_request_id": "r", "function_name": "f", "memory_limit_in_mb": 128,
    "invoked_function_arn": "arn:aws:lambda:us-east-1:1:function:f",
    "get_remaining_time_in_millis": lambda self: 3000,
})()"""


def run(body: str, *paths: Path, timeout: float = 120, refused: tuple[str, ...] = NOT_IN_LAYER) -> Any:
    """Run `body` in a new interpreter with `paths` then the layer first on sys.path (no PYTHONPATH);
    it must print one JSON value on its last line, which is returned. `refused`: top-level modules the
    child may not import (the dev venv's extras the layer lacks; () where moto runs in the child)."""
    code = _PRELUDE.format(blocked=refused, paths=[str(p) for p in (*paths, LAYER)]) + body
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def per_path_in_forks(paths: list[str]) -> str:
    """Child code to append after a `report(path) -> dict` definition: each path is reported by a fork of
    the child (it sees what the child loaded before, none of the other paths' modules); prints
    {path: report}, or {path: {"error": ...}} when `report` raised."""
    return f"""
import json, os
results = {{}}
for path in {paths!r}:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            payload = report(path)
        except BaseException as error:
            payload = {{"error": repr(error)}}
        with os.fdopen(write, "w") as out:
            out.write(json.dumps(payload))
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as source:
        results[path] = json.loads(source.read())
    os.waitpid(pid, 0)
print(json.dumps(results))
"""
