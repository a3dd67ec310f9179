"""Every events/*.json sample (for `sam local invoke -e`) is a valid event for its function."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hubtest.functions import invoke

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted(
    (p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()), key=len, reverse=True
)
SAMPLES = sorted((ROOT / "events").glob("*.json"))


def _function_of(sample: Path) -> str:
    return next(f for f in FUNCTIONS if sample.stem.startswith(f"{f}_"))


@pytest.mark.usefixtures("hub_tables")
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_sample_event_is_routed_and_answered_without_a_server_error(sample: Path) -> None:
    event = json.loads(sample.read_text())
    reply = invoke(_function_of(sample), event)
    assert reply.status < 500, reply.body
    assert reply.status != 404 or "Not found" not in reply.body, (
        "the sample does not match the function's route"
    )
