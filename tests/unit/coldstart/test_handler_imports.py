"""Cold start guards that need no clock: what importing the handlers must not load or build.

One fresh interpreter imports every functions/*/app.py (as Lambda would, one module each) and
reports what it loaded. Each name below cost a measured part of a cold start once (docs/performance.md)
and is now loaded on first use, where used at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hubtest import fresh

ROOT = Path(__file__).resolve().parents[3]
HANDLERS = sorted(ROOT.glob("functions/*/app.py"))

NOT_AT_IMPORT = {
    "aws_xray_sdk": "the Tracer is built on the first invocation (trackhub.observability.LazyTracer)",
    "wrapt": "the X-Ray SDK's patching library comes with the Tracer",
    "jwt": "pyjwt is imported by the first Bearer start (collector/identity.py)",
    "cryptography": "loaded by pyjwt's RSA/EC algorithms, first Bearer start only",
    "aws_lambda_powertools.utilities.parameters": "SSM reads are for JWT settings only",
    "aws_lambda_powertools.event_handler.openapi.models": "only the OpenAPI document needs them",
}

# Powertools' batch utility loads its parser's pydantic models (~0.1 s) when pydantic is already
# imported, so nothing a batch handler imports before it may import pydantic (trackhub's __init__ does not).
BATCH_HANDLERS = [p for p in HANDLERS if "utilities.batch import" in p.read_text(encoding="utf-8")]

_CHILD = """
import importlib.util, json
for index, path in enumerate({handlers!r}):
    spec = importlib.util.spec_from_file_location(f"handler_{{index}}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)

from pydantic import BaseModel

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built = sorted(
    f"{{cls.__module__}}.{{cls.__qualname__}}"
    for cls in set(subclasses(BaseModel))
    if cls.__module__.startswith("trackhub.") and cls.__pydantic_complete__
)
import dataclasses
records = sorted(
    f"{{name}}.{{value.__qualname__}}"
    for name, module in list(sys.modules.items())
    if name.startswith("trackhub")
    for value in vars(module).values()
    if isinstance(value, type) and value.__module__ == name and dataclasses.is_dataclass(value)
)
print(json.dumps({{"modules": sorted(sys.modules), "built": built, "dataclasses": records}}))
"""


def fresh_import(handlers: list[Path]) -> dict[str, list[str]]:
    """What a new interpreter holds after importing these handlers, and which trackhub models it built."""
    result: dict[str, list[str]] = fresh.run(_CHILD.format(handlers=[str(p) for p in handlers]))
    return result


@pytest.fixture(scope="module")
def imported() -> dict[str, list[str]]:
    return fresh_import(HANDLERS)


def test_every_handler_is_imported() -> None:
    # Given the functions folder / Then there are handlers to guard (a glob that matched nothing would pass)
    assert len(HANDLERS) >= 50


@pytest.mark.parametrize("name", sorted(NOT_AT_IMPORT))
def test_no_handler_loads_at_import(imported: dict[str, list[str]], name: str) -> None:
    # Given every handler imported in a fresh interpreter
    loaded = [m for m in imported["modules"] if m == name or m.startswith(name + ".")]
    # Then this module is not among what they loaded
    assert not loaded, f"{name} imported at init ({NOT_AT_IMPORT[name]}): {loaded[:5]}"


def test_no_trackhub_model_is_built_at_import(imported: dict[str, list[str]]) -> None:
    # Given every handler imported in a fresh interpreter
    # Then no trackhub pydantic model has built its validator yet (HubModel / settings defer_build)
    assert imported["built"] == []


# Creating a dataclass compiles its generated methods (exec): ~0.6 ms each when frozen, where a
# NamedTuple costs ~0.06 ms. Records are NamedTuples; these two are dataclasses for a reason (the
# stored statement caches its JSON text and tags; an LRS write plan is filled in step by step).
DATACLASSES_AT_IMPORT = ["trackhub.xapi.lrs._Plan", "trackhub.xapi.records.StoredStatement"]


def test_records_are_cheap_to_create(imported: dict[str, list[str]]) -> None:
    # Given every handler imported in a fresh interpreter
    # Then the only trackhub dataclasses created are the two that need to be
    assert imported["dataclasses"] == DATACLASSES_AT_IMPORT


@pytest.mark.parametrize("handler", BATCH_HANDLERS, ids=lambda p: p.parent.name)
def test_batch_handlers_skip_powertools_parser_models(handler: Path) -> None:
    # Given a stream or queue handler imported alone, as in its own Lambda environment
    modules = fresh_import([handler])["modules"]
    # Then Powertools' batch utility did not load its parser's pydantic models
    assert not [m for m in modules if m.startswith("aws_lambda_powertools.utilities.parser")]


def test_the_guard_sees_a_model_that_is_built() -> None:
    # Given a model declared without defer_build, as the child's check would meet it
    from pydantic import BaseModel

    class Eager(BaseModel):
        value: int

    from trackhub.base_model import HubModel

    class Deferred(HubModel):
        value: int

    # Then the completeness flag tells them apart, and a deferred model builds on first use
    assert Eager.__pydantic_complete__ is True
    assert Deferred.__pydantic_complete__ is False
    assert Deferred(value=1).value == 1
    assert Deferred.__pydantic_complete__ is True
