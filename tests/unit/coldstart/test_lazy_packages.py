"""Powertools' event handler and data classes packages load per name (trackhub/lazy_packages.py).

Their `__init__`s import every resolver and ~40 event classes; an HTTP handler imported after
`import trackhub` loads the one resolver and the few event classes it uses. These tests prove the
mapping read from the real `__init__` gives the same objects, that a package doing more than importing
is left alone, and that every HTTP handler, imported alone in a fresh interpreter, stays lazy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hubtest import fresh
from hubtest.template import BUCKET_ENV, TABLE_ENV

from trackhub.lazy_packages import PACKAGES, exports_of

ROOT = Path(__file__).resolve().parents[3]
HANDLERS = sorted(ROOT.glob("functions/*/app.py"))
# Queue consumers are invoked with queue or stream records, not API Gateway events
HTTP_HANDLERS = [p for p in HANDLERS if "utilities.batch import" not in p.read_text(encoding="utf-8")]
# What an API Gateway handler needs of the data classes: its event class and the ones api_gateway names
MAX_DATA_CLASS_MODULES = 12
TABLES = sorted({*TABLE_ENV.values(), *BUCKET_ENV.values()})


def test_exports_are_read_from_imports_and_all() -> None:
    # Given a package __init__ made of a docstring, relative and absolute imports and __all__
    source = (
        '"""Doc."""\nfrom __future__ import annotations\n'
        'from .a import X, Y as Z\nfrom p.b import W\n__all__ = ["X", "Z"]\n'
    )
    # When it is read
    found = exports_of("p.pkg", source)
    # Then each name maps to the module it comes from, and __all__ is kept
    assert found == ({"X": "p.pkg.a", "Z": "p.pkg.a", "W": "p.b"}, ["X", "Z"])


@pytest.mark.parametrize(
    "source",
    [
        "from .a import X\nregister(X)\n",  # a call with effects
        "from .a import *\n",  # names unknown until run
        "import os\nfrom .a import X\n",  # a plain import binds a module the mapping would not know
        "from .a import X\nif X:\n    from .b import Y\n",
    ],
)
def test_an_init_that_does_more_than_import_is_not_made_lazy(source: str) -> None:
    # Given an __init__ with code besides `from ... import`, __all__ and a docstring / Then it must run
    assert exports_of("p.pkg", source) is None


_REAL = """
import importlib, json
out = {{}}
for name in {packages!r}:
    package = importlib.import_module(name)
    out[name] = {{n: f"{{getattr(package, n).__module__}}.{{getattr(package, n).__qualname__}}"
                 for n in package.__all__ if hasattr(getattr(package, n), "__qualname__")}}
print(json.dumps(out))
"""

_LAZY = """
import importlib, json, sys
import trackhub
out = {{}}
for name in {packages!r}:
    package = sys.modules[name]
    ran = "__builtins__" in vars(package)  # a module whose __init__ was executed has them
    child = {child!r}[name]
    out[name] = {{"ran": ran, "child": getattr(package, child).__name__, "names": {{
        n: f"{{getattr(package, n).__module__}}.{{getattr(package, n).__qualname__}}"
        for n in package.__all__ if hasattr(getattr(package, n), "__qualname__")}}}}
print(json.dumps(out))
"""


def test_the_lazy_packages_give_what_the_real_ones_export() -> None:
    # Given the real packages imported in one interpreter and the lazy ones in another
    real = fresh.run(_REAL.format(packages=list(PACKAGES)))
    children = dict(zip(PACKAGES, ("api_gateway", "sqs_event"), strict=True))
    lazy = fresh.run(_LAZY.format(packages=list(PACKAGES), child=children))
    for name in PACKAGES:
        # Then trackhub made each lazy (its __init__ never ran) and every exported name is the same object
        assert lazy[name]["ran"] is False, name
        # And a submodule the __init__ imports is an attribute of the package, as it is of the real one
        assert lazy[name]["child"] == f"{name}.{children[name]}"
        assert len(real[name]) >= 5
        assert lazy[name]["names"] == real[name], name


_HANDLERS = """
import importlib.util, json, os
import boto3, trackhub  # loaded once, before the forks: trackhub makes the packages lazy
os.environ.update({{name: "t" for name in {tables!r}}})
# no route matches, so nothing is called; a call would be refused at once rather than leave the machine
os.environ.update(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_DEFAULT_REGION="us-east-1",
                  AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")

def report(path):
    spec = importlib.util.spec_from_file_location("app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    loaded = sorted(sys.modules)
    answer = module.lambda_handler(
        {{"httpMethod": "GET", "path": "/no-such-route", "resource": "/{{proxy+}}", "headers": {{}},
          "requestContext": {{"requestId": "r", "stage": "v1"}}, "body": None}},
        {context},
    )
    return {{"modules": loaded, "status": answer["statusCode"]}}

"""


@pytest.fixture(scope="module")
def alone() -> dict[str, dict[str, object]]:
    paths = [str(p) for p in HTTP_HANDLERS]
    child = _HANDLERS.format(tables=TABLES, context=fresh.LAMBDA_CONTEXT) + fresh.per_path_in_forks(paths)
    results = fresh.run(child, timeout=240)
    return {Path(path).parent.name: result for path, result in results.items()}


def test_every_handler_imports_trackhub_first() -> None:
    # Given each handler's source / Then its first import is trackhub (else Powertools' packages are
    # imported whole before trackhub can make them lazy)
    assert len(HANDLERS) >= 50
    for handler in HANDLERS:
        first = re.search(r"^(?:import|from) (\S+)", handler.read_text(encoding="utf-8"), re.MULTILINE)
        assert first is not None and first.group(1) == "trackhub", handler


@pytest.mark.parametrize("handler", HTTP_HANDLERS, ids=lambda p: p.parent.name)
def test_an_http_handler_loads_one_resolver_and_few_event_classes(
    alone: dict[str, dict[str, object]], handler: Path
) -> None:
    # Given the handler imported alone in a fresh process (its modules noted), then invoked for a path
    # it does not serve
    result = alone[handler.parent.name]
    assert "error" not in result, result
    modules = result["modules"]
    assert isinstance(modules, list)
    # Then it answered (a 4xx: no route; an authenticated function may ask for credentials first)
    assert 400 <= int(str(result["status"])) < 500
    # And its import loaded neither the other resolvers (AppSync's brings asyncio) nor every event class
    assert "asyncio" not in modules
    assert not [m for m in modules if m.startswith("aws_lambda_powertools.event_handler.appsync")]
    data_classes = [m for m in modules if m.startswith("aws_lambda_powertools.utilities.data_classes.")]
    assert 1 <= len(data_classes) <= MAX_DATA_CLASS_MODULES, data_classes
