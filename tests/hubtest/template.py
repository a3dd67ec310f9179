"""The project's template.yaml as the local stack reads it, parsed once per test process (~0.1 s)."""

from __future__ import annotations

import functools
from pathlib import Path

from trackhub_local.template import Template, load_template

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def project_template() -> Template:
    return load_template(ROOT / "template.yaml")
