"""`sam build` works without Docker and produces what Lambda needs (run by `make build`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.sizes import bytecode_coverage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sam")
    sam = shutil.which("sam", path=str(Path(sys.executable).parent)) or "sam"
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [
            sam,
            "build",
            "--template",
            str(ROOT / "template.yaml"),
            "--build-dir",
            str(out / "build"),
            "--cache-dir",
            str(out / "cache"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "build"


def _function_dirs() -> list[str]:
    return sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())


def test_every_function_is_built_with_only_its_handler(build_dir: Path) -> None:
    built = {p.name for p in build_dir.iterdir() if p.is_dir() and p.name.endswith("Function")}
    assert len(built) == len(_function_dirs())
    for name in built:
        files = {p.name for p in (build_dir / name).iterdir() if p.name != "__pycache__"}
        assert files == {"app.py"}, (name, files)


def test_the_shared_layer_holds_the_domain_and_arm64_dependencies(build_dir: Path) -> None:
    python = build_dir / "SharedLayer" / "python"
    assert (python / "trackhub" / "__init__.py").exists()
    assert (python / "trackhub" / "api" / "resolver.py").exists()
    native = list((python / "pydantic_core").glob("*.so"))
    assert native and all("aarch64" in p.name for p in native), native
    # boto3 and botocore travel together, or the runtime's boto3 would meet a foreign botocore.
    assert list(python.glob("boto3-*.dist-info")) and list(python.glob("botocore-*.dist-info"))


def test_the_shared_layer_ships_bytecode_for_every_module(build_dir: Path) -> None:
    # Given the built layer (layers/shared/Makefile)
    coverage = bytecode_coverage(build_dir / "SharedLayer" / "python")
    # Then every module has bytecode Python 3.11 loads without checking the source: Lambda's /opt is
    # read-only, so a module without it would be compiled again on every cold start
    assert coverage["modules"] > 900
    assert coverage["unchecked_bytecode"] == coverage["modules"]
    # and nothing that only served the build (console scripts naming the build's interpreter)
    assert not (build_dir / "SharedLayer" / "python" / "bin").exists()
