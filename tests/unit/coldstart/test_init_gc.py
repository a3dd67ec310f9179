"""Cold start guard that needs no clock: the garbage collector's work during a handler's init.

`import trackhub` loads the libraries every function uses and freezes them out of the collector
(trackhub/__init__.py): before that, CPython's first full collection fell inside nearly every handler's
init and walked ~50,000 objects (~14 ms, docs/performance.md "Cold start, fourth round"); with it, the
count toward that pass starts again after the libraries, and the pass, when a warm environment gets
to it, leaves the frozen objects out. Since Powertools' packages load per name (sixth round), an init
allocates too little to reach that pass even without the freeze; the freeze stays for the warm passes.
Each handler is imported alone in a fresh interpreter, as bench/coldstart.py samples it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hubtest import fresh

ROOT = Path(__file__).resolve().parents[3]
# The lightest handler, and heavy ones of several families (most modules and model classes at init).
HANDLERS = [
    ROOT / "functions" / name / "app.py"
    for name in ("health", "content_render", "xapi_statements_post", "webhooks_list", "collector_track")
]
_CHILD = """
import gc, json
full = []
gc.callbacks.append(lambda phase, info: phase == "start" and info["generation"] == 2 and full.append(1))
{body}
import boto3
print(json.dumps({{
    "full_collections": len(full),
    "frozen": gc.get_freeze_count(),
    "boto3_session_tracked": any(o is boto3.Session for o in gc.get_objects()),
}}))
"""


def child(handler: Path, body: str) -> dict[str, int]:
    result: dict[str, int] = fresh.run(_CHILD.format(body=body), handler.parent)
    return result


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_a_handler_init_runs_no_full_collection(handler: Path) -> None:
    # Given the handler imported alone in a fresh interpreter
    result = child(handler, "import app")
    # Then the libraries were frozen out of the collector and no full pass ran during the import
    assert result["frozen"] > 20_000
    assert result["boto3_session_tracked"] is False
    assert result["full_collections"] == 0


def test_the_guard_sees_a_full_collection_when_one_runs() -> None:
    # Given a heavy handler's import with the freeze made a no-op and the collector's thresholds lowered
    # (since Powertools' packages load per name, no init allocates enough to reach the default ones)
    handler = HANDLERS[1]
    body = "import gc\ngc.freeze = lambda: None\ngc.set_threshold(200, 2, 2)\nimport app"
    result = child(handler, body)
    # Then the callback counts the full passes that fall inside the init: the guard above can fail
    assert result["frozen"] == 0
    assert result["full_collections"] >= 1
