"""A threaded WSGI server on loopback that keeps connections open, for moto's app.

werkzeug's development server (what moto's ThreadedMotoServer uses) answers every request with
`Connection: close` and then waits up to 10 ms for stray request bytes: each AWS call of a function
opened a new TCP connection and a new server thread (botocore logged "Resetting dropped connection"
on every call). AWS endpoints keep connections alive; so does this server, for apps that frame
their responses with Content-Length (SerializedApp always does).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from trackhub_local.http_server import KeepAliveServer, NoDelayHandler

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class KeepAliveWsgiServer(KeepAliveServer):
    def __init__(self, address: tuple[str, int], app: WsgiApp) -> None:
        self.app = app
        super().__init__(address, _WsgiHandler)

    def shutdown(self) -> None:
        """Stop serving and end idle keep-alive connections, so their threads finish."""
        super().shutdown()
        self.close_connections()
        self.server_close()


class _WsgiHandler(NoDelayHandler):
    server: KeepAliveWsgiServer

    def _serve(self) -> None:
        body = self._read_body()
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key not in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                key = "HTTP_" + key
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        status_line: list[str] = []
        headers: list[tuple[str, str]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status_line[:] = [status]
            headers[:] = response_headers
            return lambda data: None  # the apps served here return their body, never write() it

        result = self.server.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        # The whole answer in one send: every socket call gives up the GIL, and taking it back waits
        # for the switch interval whenever another thread of the stack is busy.
        head = [f"{self.protocol_version} {status_line[0]}", f"Date: {self.date_time_string()}"]
        head += [
            f"{name}: {value}"
            for name, value in headers
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date")
        ]
        head.append(f"Content-Length: {len(payload)}")
        head.append(f"Connection: {'close' if self.close_connection else 'keep-alive'}")
        answer = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(answer if self.command == "HEAD" else answer + payload)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline(1024).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("moto %s %s", self.address_string(), format % args)
