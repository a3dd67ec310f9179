"""bench.sizes.bytecode_coverage tells shipped bytecode from sources Lambda would compile again."""

from __future__ import annotations

import py_compile
from pathlib import Path

from bench.sizes import bytecode_coverage


def test_only_unchecked_hash_bytecode_counts(tmp_path: Path) -> None:
    # Given three modules: one compiled unchecked-hash, one with timestamp bytecode, one source only
    for name in ("shipped", "timestamped", "bare"):
        (tmp_path / f"{name}.py").write_text("VALUE = 1\n", encoding="utf-8")
    py_compile.compile(
        str(tmp_path / "shipped.py"), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    py_compile.compile(
        str(tmp_path / "timestamped.py"), invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP
    )
    # When the tree is counted / Then all three are modules and only the first ships usable bytecode
    assert bytecode_coverage(tmp_path) == {"modules": 3, "unchecked_bytecode": 1}
