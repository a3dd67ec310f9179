"""`trackhub-local` (make run): start the local stack, seed demo data, print how to call it.

Environment:
    HUB_PORT       gateway port on 127.0.0.1 (default 3000; 0 picks a free port)
    HUB_TEMPLATE   SAM template (default: template.yaml of the working directory or of this repository)
    HUB_DEMO_FILE  where the seed's result is written, mode 0600 (default .local/demo.json)
    HUB_LOG_FILE   function logs go here instead of stderr
    HUB_SEED       "module:callable" run as seed(base_url) -> dict once the stack is up
                   (default trackhub_cli.seed:seed_demo)
    WEBHOOK_ALLOW_NETWORKS, WEBHOOK_RETRY_SCHEDULE, SSL_CERT_FILE   passed to every function when set
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from trackhub_local.stack import LocalStack
from trackhub_local.template import default_template

DEFAULT_SEED = "trackhub_cli.seed:seed_demo"
# Shell variables handed to every function when set (nothing else of the shell reaches a function):
# e.g. `WEBHOOK_ALLOW_NETWORKS=127.0.0.0/8 make run` lets webhooks reach a receiver on this machine.
PASSED_THROUGH = ("WEBHOOK_ALLOW_NETWORKS", "WEBHOOK_RETRY_SCHEDULE", "SSL_CERT_FILE")
log = logging.getLogger("trackhub_local")


def run_seed(spec: str, base_url: str) -> dict[str, Any]:
    """Call the seed hook named by `spec`; without its module, the demo data is just the base URL."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            log.warning("seed hook %s not importable (%s); writing only the base URL", spec, exc)
            return {"baseUrl": base_url}
        raise  # the hook exists but one of its own imports is missing: a real error
    hook = getattr(module, attribute or "seed")
    demo = hook(base_url)
    if not isinstance(demo, Mapping):
        raise TypeError(f"seed hook {spec} returned {type(demo).__name__}, not a dict")
    return {"baseUrl": base_url, **demo}


def write_demo(path: Path, demo: Mapping[str, Any]) -> None:
    """Write atomically, readable by the owner only (the demo data holds an API key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:  # mkstemp creates it 0600
            json.dump(demo, stream, indent=2, sort_keys=True)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    path.chmod(0o600)


def basic_credentials(demo: Mapping[str, Any]) -> str | None:
    """ "userId:secret" for curl -u, from demo["apiKey"] (an object or a string)."""
    key = demo.get("apiKey")
    if isinstance(key, Mapping):
        user = key.get("userId")
        secret = key.get("apiKey") or key.get("secret") or key.get("key")
    elif isinstance(key, str):
        if ":" in key:
            return key
        user, secret = demo.get("userId"), key
    else:
        return None
    return f"{user}:{secret}" if user and secret else None


def banner(base_url: str, demo: Mapping[str, Any], demo_file: Path) -> str:
    lines = [
        f"trackhub local stack ready on {base_url}",
        f"  curl -s {base_url}/health",
        f"  curl -s {base_url}/openapi.json",
    ]
    credentials = basic_credentials(demo)
    if credentials:
        lines.append(f"  curl -s -u {credentials} {base_url}/v1/whoami")
    examples = demo.get("examples")  # the seed's own working lines, when it writes some
    if isinstance(examples, list):
        lines += [f"  {line}" for line in examples if isinstance(line, str)]
    lines += [f"  Swagger UI: {base_url}/swagger", f"  demo data: {demo_file}"]
    return "\n".join(lines)


def passed_through(environ: Mapping[str, str]) -> dict[str, str]:
    return {name: environ[name] for name in PASSED_THROUGH if name in environ}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    port = int(os.environ.get("HUB_PORT", "3000"))
    template = Path(os.environ.get("HUB_TEMPLATE") or default_template())
    demo_file = Path(os.environ.get("HUB_DEMO_FILE") or ".local/demo.json")
    log_file = os.environ.get("HUB_LOG_FILE") or None
    seed = os.environ.get("HUB_SEED") or DEFAULT_SEED

    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    stack = LocalStack(template, port, log_file=log_file, env_overrides=passed_through(os.environ))
    try:
        stack.start()
        stack.wait_ready()
        if not stopping.is_set():
            demo = run_seed(seed, stack.base_url)
            write_demo(demo_file, demo)
            print(banner(stack.base_url, demo, demo_file), flush=True)
        while not stopping.wait(0.5):
            pass
        log.info("stopping")
    except Exception:
        log.exception("the local stack failed")
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
