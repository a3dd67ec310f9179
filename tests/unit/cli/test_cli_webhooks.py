"""`trackhub-admin webhooks redrive`: one signed POST, the answer printed."""

from __future__ import annotations

import json

import pytest
from cli_fakes import FakeServer

from trackhub_cli.main import main


def test_webhooks_redrive_posts_and_prints_the_counts(
    server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an admin API that redrove two parked deliveries
    server.respond(200, {"redriven": 2, "dropped": 0})
    # When the command runs
    code = main(["--endpoint", server.url, "webhooks", "redrive"])
    # Then it POSTed to the redrive route and printed the answer
    assert code == 0
    assert (server.last.method, server.last.path) == ("POST", "/admin/webhooks/redrive")
    assert json.loads(capsys.readouterr().out) == {"redriven": 2, "dropped": 0}
