"""main.py: the seed hook, the demo file and the ready banner."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from trackhub_local.main import banner, basic_credentials, run_seed, write_demo


def test_missing_seed_module_writes_only_the_base_url(caplog: pytest.LogCaptureFixture) -> None:
    assert run_seed("no_such_seed_module:seed", "http://127.0.0.1:1") == {"baseUrl": "http://127.0.0.1:1"}
    assert "not importable" in caplog.text


def test_seed_hook_result_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_seed.py").write_text(
        "def seed(base_url):\n"
        "    return {'apiKey': {'userId': 'u1', 'apiKey': 's3cret'}, 'seen': base_url}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    demo = run_seed("my_seed:seed", "http://127.0.0.1:2")
    assert demo == {
        "baseUrl": "http://127.0.0.1:2",
        "apiKey": {"userId": "u1", "apiKey": "s3cret"},
        "seen": "http://127.0.0.1:2",
    }
    sys.modules.pop("my_seed", None)


def test_seed_hook_errors_propagate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad_seed.py").write_text("import no_such_dependency_xyz\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        run_seed("bad_seed:seed", "http://x")


def test_demo_file_is_private_and_json(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "demo.json"
    write_demo(path, {"baseUrl": "http://x", "apiKey": "k"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"baseUrl": "http://x", "apiKey": "k"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    write_demo(path, {"baseUrl": "http://y"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["demo.json"]


def test_credentials_and_banner() -> None:
    assert basic_credentials({"apiKey": {"userId": "u", "apiKey": "k"}}) == "u:k"
    assert basic_credentials({"apiKey": "k", "userId": "u"}) == "u:k"
    assert basic_credentials({"apiKey": "u:k"}) == "u:k"
    assert basic_credentials({"baseUrl": "x"}) is None
    text = banner(
        "http://127.0.0.1:3000", {"apiKey": {"userId": "u", "apiKey": "k"}}, Path(".local/demo.json")
    )
    assert text.splitlines()[0] == "trackhub local stack ready on http://127.0.0.1:3000"
    assert "curl -s http://127.0.0.1:3000/health" in text
    assert "curl -s http://127.0.0.1:3000/openapi.json" in text
    assert "curl -s -u u:k http://127.0.0.1:3000/v1/whoami" in text
    assert "-u" not in banner("http://h", {}, Path("d"))
    assert "  curl -s http://h/x" in banner("http://h", {"examples": ["curl -s http://h/x"]}, Path("d"))
