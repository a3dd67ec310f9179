"""docs/reliability.md names the tests that prove each guarantee: every one it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "reliability.md"
# `unit/x/test_y.py::test_z` names a test; a following `::test_w` is in the same file.
CITATION = re.compile(r"`(?P<file>(?:unit|integration)/[\w/]+\.py)?(?:::(?P<name>\w+))?`")


def _citations() -> list[tuple[str, str]]:
    cited, current = [], ""
    for match in CITATION.finditer(DOC.read_text()):
        current = match["file"] or current
        if match["name"]:
            assert current, f"::{match['name']} cited before any test file"
            cited.append((current, match["name"]))
    return cited


def test_every_test_the_reliability_doc_cites_exists() -> None:
    # Given the tests the document cites
    cited = _citations()
    assert len(cited) > 40
    # Then each is a test function in the file named
    missing = [
        f"{file}::{name}"
        for file, name in cited
        if not (ROOT / "tests" / file).exists()
        or not re.search(rf"^(?:async )?def {name}\(", (ROOT / "tests" / file).read_text(), re.M)
    ]
    assert not missing, f"docs/reliability.md cites tests that do not exist: {missing}"
