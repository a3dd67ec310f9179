"""moto's server on loopback, with every request applied atomically.

moto's backends are plain Python objects without locks. Two werkzeug threads handling conditional
writes for the same key can both pass the condition check before either applies its write, so two
conflicting TransactWriteItems (or conditional PutItems) would both succeed - which DynamoDB never
allows. Serialising requests through one lock gives the isolation the real services guarantee.

The one moto call that blocks is an SQS long poll (ReceiveMessage with WaitTimeSeconds > 0): holding
the lock through it would stall every other request for up to 20 s. Those are rewritten to short polls
repeated (lock released in between) until a message arrives or the requested wait is over. A waiting
poll looks again as soon as any other SQS request (a send, a visibility change) has been applied, and
otherwise every _LONG_POLL_STEP (messages whose delay or visibility timeout runs out wake nobody).
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from moto.dynamodb.models import dynamodb_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import ThreadedMotoServer

from trackhub_local.moto_patches import (
    direct_item_values,
    idempotent_transactions,
    key_duplicate_check,
    linear_item_size_check,
    method_names_once,
    module_list_once,
    plain_json_item_requests,
    plain_json_item_responses,
    rollback_touched_items_only,
)
from trackhub_local.wsgi_server import KeepAliveWsgiServer, WsgiApp

log = logging.getLogger(__name__)

# moto's backends are process-wide, so is the lock that serialises access to them.
BACKENDS_LOCK = threading.Lock()
# How often an idle rewritten long poll looks again. Every look is a moto request under the lock all
# other requests need (at 0.05 s, 20 a second per SQS poller, competing with the functions' calls),
# so polls wake on SQS requests instead (see SerializedApp) and otherwise look this often.
_LONG_POLL_STEP = 0.25


class _Buffered:
    """A WSGI response read to the end (so it can be produced inside the lock and inspected)."""

    def __init__(self) -> None:
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []
        self.body = b""

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        self.status, self.headers = status, list(headers)
        return self._write

    def _write(self, data: bytes) -> None:
        self.body += data


class SerializedApp:
    """WSGI middleware: one request at a time reaches the wrapped app, in the server's own account."""

    def __init__(
        self, app: WsgiApp, lock: threading.Lock | None = None, account_id: str | None = None
    ) -> None:
        self.app = app
        self.lock = lock or BACKENDS_LOCK
        self.account_id = account_id
        # Bumped after each SQS request other than a receive: waiting polls look again at once.
        self._sqs_changed = threading.Condition()
        self._sqs_generation = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.account_id is not None:
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = self.account_id
        long_poll = _as_short_poll(environ)
        response = self._call(environ) if long_poll is None else self._poll(environ, *long_poll)
        if long_poll is None and str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("AmazonSQS."):
            with self._sqs_changed:
                self._sqs_generation += 1
                self._sqs_changed.notify_all()
        if not any(name.lower() == "content-length" for name, _ in response.headers):
            response.headers.append(("Content-Length", str(len(response.body))))  # keep-alive framing
        start_response(response.status, response.headers)
        return [response.body]

    def _call(self, environ: dict[str, Any]) -> _Buffered:
        response = _Buffered()
        with self.lock:
            result = self.app(environ, response.start_response)
            try:
                for chunk in result:
                    response.body += chunk
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return response

    def _poll(self, environ: dict[str, Any], wait: float, body: bytes, json_protocol: bool) -> _Buffered:
        deadline = time.monotonic() + wait
        while True:
            attempt = dict(environ)
            attempt["wsgi.input"] = io.BytesIO(body)
            attempt["CONTENT_LENGTH"] = str(len(body))
            generation = self._sqs_generation
            response = self._call(attempt)
            if not response.status.startswith("200") or _has_messages(response.body, json_protocol):
                return response
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return response
            with self._sqs_changed:
                if self._sqs_generation == generation:  # nothing happened since this look
                    self._sqs_changed.wait(min(_LONG_POLL_STEP, remaining))


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)  # whoever reads next still sees the whole body
    return body


def _as_short_poll(environ: dict[str, Any]) -> tuple[float, bytes, bool] | None:
    """For an SQS ReceiveMessage: (requested wait, the same request with WaitTimeSeconds=0, JSON?)."""
    if environ.get("HTTP_X_AMZ_TARGET") == "AmazonSQS.ReceiveMessage":
        payload = json.loads(_read_body(environ) or b"{}")
        wait = float(payload.get("WaitTimeSeconds") or 0)
        payload["WaitTimeSeconds"] = 0
        return wait, json.dumps(payload).encode(), True
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "") and environ.get("REQUEST_METHOD") == "POST":
        params = parse_qsl(_read_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
        if dict(params).get("Action") != "ReceiveMessage":
            return None
        wait = float(dict(params).get("WaitTimeSeconds") or 0)
        params = [(k, v) for k, v in params if k != "WaitTimeSeconds"] + [("WaitTimeSeconds", "0")]
        return wait, urlencode(params).encode(), False
    return None


def _has_messages(body: bytes, json_protocol: bool) -> bool:
    if json_protocol:
        return bool(json.loads(body or b"{}").get("Messages"))
    return b"<Message>" in body


def new_account_id() -> str:
    return str(100_000_000_000 + secrets.randbelow(900_000_000_000))


class MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer on 127.0.0.1 (port 0 picks a free one) whose app is SerializedApp.

    moto keeps its state in module globals, keyed by account: two servers in one process share it.
    Each server therefore works in an account of its own (every request is stamped with it), so two
    stacks in one test process neither see nor collide with each other's tables and queues, and all
    servers share one lock.
    """

    def __init__(self, port: int = 0, account_id: str | None = None) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        self.account_id = account_id or new_account_id()
        rollback_touched_items_only()  # no table deep copy per transaction; streams keep flowing
        idempotent_transactions()  # botocore's retry of a committed transaction is not applied twice
        linear_item_size_check()  # moto measured each new item O(attributes²) times
        direct_item_values()  # ... and built and measured each value through several probes
        key_duplicate_check()  # BatchWriteItem JSON-dumped every item to find duplicate keys
        plain_json_item_requests()  # moto walked each item request's shape after json.loads
        plain_json_item_responses()  # ... and its answers' shape before json.dumps
        module_list_once()  # moto listed its package directory on every request
        method_names_once()  # ... and the methods of the class answering it

    def _server_entry(self) -> None:
        # Same as ThreadedMotoServer._server_entry, with the dispatcher wrapped and a server that keeps
        # connections alive (werkzeug's closes each one after a request: wsgi_server.py).
        app = SerializedApp(DomainDispatcherApplication(create_backend_app), BACKENDS_LOCK, self.account_id)
        server = KeepAliveWsgiServer((self._ip_address, self._port), app)
        self._server = server  # type: ignore[assignment]  # moto's attribute, typed for werkzeug's server
        self._server_ready_event.set()
        server.serve_forever(poll_interval=0.1)  # a quick stop()

    def stream_records(self, stream_arn: str) -> int | None:
        """How many records moto holds for a table stream of this server's account (moto keeps one
        shard per stream), read in-process without a request or the lock (a list's length); None
        for a stream it does not have."""
        region = stream_arn.split(":")[3] if stream_arn.count(":") >= 5 else ""
        backend = dynamodb_backends[self.account_id][region] if region else None
        for table in list(backend.tables.values()) if backend is not None else ():
            shard = table.stream_shard
            if shard is not None and f"{table.table_arn}/stream/{table.latest_stream_label}" == stream_arn:
                return len(shard.items)
        return None

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"
