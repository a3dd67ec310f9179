"""Built size of each function with its layer, from `sam build` (no Docker) as `make build` runs it.

The build goes to a temporary folder (the repository's .aws-sam is left alone); its cache lives in the
system temp dir, so a second `make bench` rebuilds only what changed. BENCH_SAM_BUILD=<dir> reads an
existing build instead.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "trackhub-bench-sam-cache"


@contextmanager
def built(template: Path = ROOT / "template.yaml") -> Iterator[Path]:
    given = os.environ.get("BENCH_SAM_BUILD")
    if given:
        yield Path(given)
        return
    sam = shutil.which("sam", path=str(Path(sys.executable).parent)) or "sam"
    with tempfile.TemporaryDirectory(prefix="trackhub-bench-build-") as out:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [
                sam,
                "build",
                "--template",
                str(template),
                "--build-dir",
                out,
                "--cache-dir",
                str(CACHE),
                "--cached",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "SAM_CLI_TELEMETRY": "0",
                "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            },
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError("sam build failed:\n" + result.stdout[-2000:] + result.stderr[-2000:])
        yield Path(out)


def _files(path: Path, *, bytecode: bool) -> Iterator[Path]:
    for p in sorted(path.rglob("*")):
        if p.is_file() and (bytecode or "__pycache__" not in p.parts):
            yield p


def tree_bytes(path: Path, *, bytecode: bool = False) -> int:
    """Bytes Lambda unpacks. A function's bytecode caches are a developer's leftovers, not deployed; the
    layer's are built on purpose (layers/shared/Makefile): `bytecode=True` counts them."""
    return sum(p.stat().st_size for p in _files(path, bytecode=bytecode))


def zipped_bytes(path: Path, *, bytecode: bool = False) -> int:
    """Bytes of the deployment zip (deflate, as `sam deploy` uploads it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for p in _files(path, bytecode=bytecode):
            archive.write(p, p.relative_to(path))
    return buffer.tell()


def bytecode_coverage(path: Path) -> dict[str, int]:
    """Modules of a built tree, and how many ship bytecode this interpreter's version loads without
    checking the source (unchecked-hash .pyc): Lambda's /opt is read-only, so a module without it is
    compiled again on every cold start. The cold-start samples run with bytecode (docs/performance.md)."""
    modules = compiled = 0
    for source in path.rglob("*.py"):
        modules += 1
        cached = Path(importlib.util.cache_from_source(str(source)))
        if cached.is_file():
            with cached.open("rb") as header:
                head = header.read(8)
            compiled += head[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(head[4:8], "little") == 1
    return {"modules": modules, "unchecked_bytecode": compiled}


def measure(build_dir: Path, functions: list[str], layer: str = "SharedLayer") -> dict[str, Any]:
    layer_dir = build_dir / layer
    if not layer_dir.is_dir():
        raise RuntimeError(f"{layer_dir} is missing: not a sam build of this template")
    layer_bytes, layer_zip = tree_bytes(layer_dir, bytecode=True), zipped_bytes(layer_dir, bytecode=True)
    return {
        "layer": {
            "name": layer,
            "bytes": layer_bytes,
            "zip_bytes": layer_zip,
            "bytecode": bytecode_coverage(layer_dir),
        },
        "functions": {
            name: {
                "bytes": tree_bytes(build_dir / name),
                "with_layer_bytes": tree_bytes(build_dir / name) + layer_bytes,
            }
            for name in functions
        },
    }
