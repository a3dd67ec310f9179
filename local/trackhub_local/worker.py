"""One Lambda execution environment: `python -m trackhub_local.worker --code-dir D --handler app.fn`.

Started by workers.Invoker with the function's own environment. It imports the handler once (the init
phase), then answers invocations one at a time, like the Lambda runtime loop, until stdin closes.

Protocol: newline-delimited JSON. Requests arrive on the original stdin, answers leave on the original
stdout; both descriptors are duplicated away at start-up and fds 0/1 are re-pointed (stdin at
/dev/null, stdout at stderr) so that whatever the function prints - Powertools' JSON logs go to
stdout - ends up in the log stream and can never corrupt the protocol.

This module only imports the standard library: it must not put anything on the function's path.
"""

from __future__ import annotations

import argparse
import decimal
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import IO, Any


class LambdaContext:
    """The attributes and method the Python runtime's context object offers."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.function_name: str = data["function_name"]
        self.function_version: str = data.get("function_version", "$LATEST")
        self.invoked_function_arn: str = data["invoked_function_arn"]
        self.memory_limit_in_mb: int = int(data["memory_limit_in_mb"])
        self.aws_request_id: str = data["aws_request_id"]
        self.log_group_name: str = data.get("log_group_name", f"/aws/lambda/{self.function_name}")
        self.log_stream_name: str = data.get("log_stream_name", "local")
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline_ms: int = int(data["deadline"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _json_default(value: Any) -> Any:
    # The Lambda runtime's serializer accepts Decimal (what boto3's DynamoDB resource returns).
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


def _load_handler(spec: str) -> Callable[[Any, LambdaContext], Any]:
    module_name, _, attribute = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        raise _InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}"
        ) from exc
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise _InitError(
            "Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_name}'"
        )
    return handler  # type: ignore[no-any-return]


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _isolate_stdio() -> tuple[IO[bytes], IO[bytes]]:
    protocol_in = os.fdopen(os.dup(0), "rb")
    protocol_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    # Line buffering so log lines reach the stack as they are written, not when a buffer fills.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    return protocol_in, protocol_out


def _set_path(code_dir: str, layers: list[str]) -> None:
    """Function code first, then layers, then the interpreter's own stdlib and site-packages."""
    bootstrap = os.environ.pop("PYTHONPATH", "")  # only there so `-m trackhub_local.worker` resolves
    dropped = {os.path.abspath(p) for p in bootstrap.split(os.pathsep) if p} | {os.getcwd(), ""}
    rest = [p for p in sys.path if (os.path.abspath(p) if p else "") not in dropped]
    sys.path[:] = [code_dir, *layers, *[p for p in rest if p not in (code_dir, *layers)]]
    # An editable install of this project maps `trackhub` (and the CLI) from anywhere; in Lambda the
    # domain package exists only through the layer, so the project's own finder goes.
    sys.meta_path[:] = [finder for finder in sys.meta_path if not _is_project_finder(finder)]


def _is_project_finder(finder: Any) -> bool:
    module = sys.modules.get(getattr(finder, "__module__", "") or "")
    mapping = getattr(module, "MAPPING", None)
    return bool(
        module
        and module.__name__.startswith("__editable__")
        and isinstance(mapping, dict)
        and "trackhub_local" in mapping
    )


def _send(stream: IO[bytes], message: dict[str, Any]) -> None:
    try:
        line = json.dumps(message, default=_json_default, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        line = json.dumps({"error": error_payload(exc, "Runtime.MarshalError")})
    stream.write(line.encode() + b"\n")
    stream.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trackhub_local.worker")
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--handler", required=True)
    parser.add_argument("--layer", action="append", default=[])
    args = parser.parse_args(argv)

    protocol_in, protocol_out = _isolate_stdio()
    _set_path(args.code_dir, args.layer)
    os.chdir(args.code_dir)

    try:
        handler = _load_handler(args.handler)
    except _InitError as exc:
        print(f"[ERROR] {exc.error_type}: {exc}", file=sys.stderr)
        _send(protocol_out, {"initError": error_payload(exc, exc.error_type)})
        return 1
    except Exception as exc:  # an exception raised by the module's own top-level code
        traceback.print_exc()
        _send(protocol_out, {"initError": error_payload(exc, "Runtime.ImportModuleError")})
        return 1
    _send(protocol_out, {"ready": True, "pid": os.getpid()})

    for line in protocol_in:
        request = json.loads(line)
        context = LambdaContext(request["context"])
        try:
            result = handler(request["event"], context)
        except Exception as exc:
            # The runtime logs the error as well as returning it.
            print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc()
            response: dict[str, Any] = {"error": error_payload(exc)}
        else:
            response = {"result": result}
        sys.stdout.flush()
        sys.stderr.flush()
        _send(protocol_out, response)
    return 0


if __name__ == "__main__":
    sys.exit(main())
