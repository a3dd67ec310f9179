"""Two Powertools packages whose `__init__` imports everything they hold, loaded per name instead.

`aws_lambda_powertools.event_handler` imports every resolver it ships (AppSync's brings in `asyncio`,
Bedrock's, VPC Lattice's...) and `aws_lambda_powertools.utilities.data_classes` the classes of ~40
event sources, and importing any submodule (`event_handler.api_gateway`) runs its package's
`__init__` first. An HTTP function uses one resolver and one event class: the rest was ~20 % of the
boto3 floor in every cold start (docs/performance.md, "Cold start, sixth round").

`install()` registers each package as its own module object, built from the package's real spec
(`__path__`, `__file__`, `__spec__`), whose `__init__` is not run: an attribute the `__init__` would
have imported is imported from the submodule the `__init__` names, on first access (PEP 562
`__getattr__`). That mapping is read from the `__init__` itself, so it follows Powertools' releases;
a package whose `__init__` does anything besides imports, `__all__` and a docstring is imported as
usual. Nothing changes for a package that is already imported (tests, the local stack's tools).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def install(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Register each package not imported yet as a lazy module; the names made lazy."""
    return [name for name in packages if name not in sys.modules and _install(name)]


def exports_of(package: str, source: str) -> tuple[dict[str, str], list[str]] | None:
    """({name: module it is imported from}, __all__) of a package `__init__` made only of
    `from ... import` statements, `__all__` and a docstring; None for anything else."""
    names: dict[str, str] = {}
    public: list[str] | None = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                continue
            module = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            for alias in node.names:
                if alias.name == "*":
                    return None
                names[alias.asname or alias.name] = module
        elif isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            public = list(ast.literal_eval(node.value))
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            return None  # code with effects: the real __init__ must run
    return names, public if public is not None else sorted(names)


def _install(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return False
    try:
        found = exports_of(name, Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    if found is None:
        return False
    names, public = found
    # the submodules the __init__ imports are attributes of the real package too (`package.sqs_event`)
    children = {m.rpartition(".")[2] for m in names.values() if m.rpartition(".")[0] == name}
    module = importlib.util.module_from_spec(spec)  # the package's spec, its __init__ not executed

    def __getattr__(attribute: str) -> Any:  # PEP 562 hook
        source = names.get(attribute)
        if source is None and attribute in children:
            return importlib.import_module(f"{name}.{attribute}")  # the import sets the attribute
        if source is None:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        value = getattr(importlib.import_module(source), attribute)
        setattr(module, attribute, value)  # the next access is a plain attribute
        return value

    def __dir__() -> list[str]:  # PEP 562 hook
        return sorted(set(vars(module)) | set(names) | children)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    module.__all__ = public  # type: ignore[attr-defined]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(importlib.import_module(parent), child, module)
    return True
