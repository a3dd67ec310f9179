"""Start Ralph's LRS on loopback with the filesystem backend (run by the Ralph venv's interpreter).

    <ralph-venv>/bin/python bench/ralph_launcher.py --port P --data-dir D --auth-file F --user U --password W

Ralph 5.1.0's filesystem LRS backend creates its file on the first write and answers 500 to every
later one (its default operation is CREATE, which refuses an existing file). The override below makes
it APPEND, set on the class before `ralph.api.app` is imported - the installed package is not edited.
Only the standard library, bcrypt (a Ralph dependency) and Ralph are imported here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# Run as a script, this file's folder (bench/, with its own ralph.py) would come first on sys.path
# and shadow the `ralph` package: only Ralph's venv may provide modules here.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p and str(Path(p).resolve()) != _HERE]


def write_auth_file(path: Path, user: str, password: str) -> None:
    """Ralph's Basic credentials file: bcrypt hashes, scopes, the agent its statements are stored under."""
    import bcrypt  # type: ignore[import-not-found]  # Ralph's venv only

    entry = {
        "username": user,
        "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode(),
        "scopes": ["all"],
        "agent": {"mbox": "mailto:bench@example.com", "objectType": "Agent"},
    }
    path.write_text(json.dumps([entry]), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(prog="ralph_launcher")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--auth-file", type=Path, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()

    args.data_dir.mkdir(parents=True, exist_ok=True)
    write_auth_file(args.auth_file, args.user, args.password)
    # Ralph reads its settings from RALPH_* variables when its modules are imported.
    os.environ["RALPH_AUTH_FILE"] = str(args.auth_file)
    os.environ["RALPH_RUNSERVER_BACKEND"] = "fs"
    os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = str(args.data_dir)
    os.environ["RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH"] = str(args.data_dir)

    from ralph.backends.data.base import BaseOperationType  # type: ignore[import-not-found]
    from ralph.backends.lrs.fs import FSLRSBackend  # type: ignore[import-not-found]

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND

    import uvicorn  # type: ignore[import-not-found]
    from ralph.api import app  # type: ignore[import-not-found]

    # The bench interleaves batches to trackhub and Ralph: a connection may idle a few seconds.
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, timeout_keep_alive=120
    )


if __name__ == "__main__":
    main()
