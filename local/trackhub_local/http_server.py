"""What the stack's two HTTP servers (the gateway, moto's) share: threads per connection that stay open
between requests, closable at stop, and answers sent without Nagle's delay."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)


class KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is not worth a traceback on the console.
        log.debug("connection from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        """End idle keep-alive connections too, so their threads finish instead of waiting for data."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class NoDelayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection is closed after this long

    def setup(self) -> None:
        super().setup()
        # With Nagle's algorithm on, a keep-alive answer written in two sends waited for the client's
        # delayed ACK (~40 ms on Linux loopback); API Gateway and AWS endpoints have no such stall.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
