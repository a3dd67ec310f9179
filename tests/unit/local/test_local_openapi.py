"""openapi.py: the merged document of template.yaml, generated out of process; no domain import here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from trackhub_local.openapi import OpenApiSource
from trackhub_local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "local_stack" / "template.yaml"


def test_merged_document_of_the_project(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    command = [sys.executable, "-m", "trackhub_local.openapi", "--template", str(ROOT / "template.yaml")]
    subprocess.run([*command, "--out", str(out)], check=True, timeout=120, capture_output=True)  # noqa: S603
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["info"]["title"] == "trackhub"
    schemes = document["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {"type": "http", "scheme": "basic"}
    assert schemes["sigv4"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "x-amazon-apigateway-authtype": "awsSigv4",
    }
    template = load_template(ROOT / "template.yaml")
    for spec in template.functions.values():
        for event in spec.api_events:
            assert event.method.lower() in document["paths"][event.path], (spec.logical_id, event.path)
    assert (
        text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )  # deterministic form


def test_gateway_source_caches_and_skips_functions_without_a_resolver() -> None:
    source = OpenApiSource(FIXTURE)
    first = source()
    assert source() is first
    assert json.loads(first)["info"]["title"] == "trackhub"  # fixture handlers have no resolver: no paths


def test_the_local_package_never_imports_the_domain() -> None:
    probe = (
        "import sys, pkgutil, importlib, trackhub_local\n"
        "for m in pkgutil.iter_modules(trackhub_local.__path__):\n"
        "    importlib.import_module('trackhub_local.' + m.name)\n"
        "print(sorted(n for n in sys.modules if n == 'trackhub' or n.startswith('trackhub.')))\n"
    )
    command = [sys.executable, "-c", probe]
    completed = subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert completed.stdout.strip() == "[]"


def test_the_exported_document_in_docs_is_current(tmp_path: Path) -> None:
    """docs/openapi.json is what `make openapi` writes today (re-run it after changing a route)."""
    out = tmp_path / "openapi.json"
    command = [sys.executable, "-m", "trackhub_local.openapi", "--template", str(ROOT / "template.yaml")]
    subprocess.run([*command, "--out", str(out)], check=True, timeout=120, capture_output=True)  # noqa: S603
    assert out.read_text(encoding="utf-8") == (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
