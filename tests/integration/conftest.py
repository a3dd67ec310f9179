"""Integration tests: HTTP against the local stack running the project's own template.yaml.

One seeded stack per test session (`hub`), started on a free port on 127.0.0.1 exactly as
`make run` starts it, and stopped at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hubtest.localhub import Hub

from trackhub_cli.seed import seed_demo
from trackhub_local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    logs = tmp_path_factory.mktemp("hub-logs") / "functions.log"
    stack = LocalStack(ROOT / "template.yaml", port=0, log_file=logs)
    stack.start()
    try:
        stack.wait_ready(timeout=60)
        yield Hub(stack=stack, demo=seed_demo(stack.base_url))
    finally:
        stack.stop()
