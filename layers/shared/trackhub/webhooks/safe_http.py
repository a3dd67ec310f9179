"""The one way the hub calls a webhook URL: SSRF-safe, bounded, verified.

- https only; the host is resolved here and every address it resolves to must be public (no
  private, loopback, link-local/metadata, CGNAT, multicast, reserved, unspecified, or IPv4-mapped /
  6to4 / Teredo forms of those) unless it lies in WEBHOOK_ALLOW_NETWORKS (tests, the local stack);
- the connection goes to the vetted address (no second DNS lookup: no rebinding), TLS with SNI and
  certificate verification against the host name (SSL_CERT_FILE is honoured for a private CA);
- redirects are never followed (a 3xx is a failure); one total deadline covers DNS, connect, TLS,
  request and response; at most WEBHOOK_MAX_RESPONSE_BYTES of the answer are read.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import NamedTuple
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

_EXTRA_BLOCKED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "169.254.0.0/16",  # link-local, incl. the instance metadata service
        "192.0.0.0/24",
        "198.18.0.0/15",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "fc00::/7",
        "fe80::/10",
        "fd00:ec2::254/128",
        "64:ff9b::/96",  # NAT64 can reach IPv4 private space
        "100::/64",
    )
)


class RefusedTarget(Exception):
    """The URL may not be called (scheme, address); never retried into success by waiting."""


class SendResult(NamedTuple):
    status: int | None  # HTTP status, None when no answer came
    error: str | None  # None on a 2xx
    duration_ms: int
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs; ValueError naming a bad one."""
    networks: list[Network] = []
    for raw in text.split(","):
        token = raw.strip()
        if not token:
            continue
        try:
            networks.append(ipaddress.ip_network(token, strict=False))
        except ValueError:
            raise ValueError(f"WEBHOOK_ALLOW_NETWORKS: {token!r} is not a CIDR network") from None
    return tuple(networks)


def _canonical(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def forbidden_reason(address: IPAddress, allowed: Iterable[Network] = ()) -> str | None:
    """Why the hub must not connect to `address`, or None when it may."""
    canonical = _canonical(address)
    if any(canonical in net or address in net for net in allowed if net.version in (4, 6)):
        return None
    # The embedded IPv4 address first: ::ffff:127.0.0.1 is judged (and named) as loopback.
    for candidate in dict.fromkeys((canonical, address)):
        if candidate.is_loopback:
            return f"{address} is a loopback address"
        if candidate.is_link_local or candidate in ipaddress.ip_network("169.254.0.0/16"):
            return f"{address} is a link-local (metadata) address"
        if candidate.is_multicast:
            return f"{address} is a multicast address"
        if candidate.is_unspecified:
            return f"{address} is the unspecified address"
        if candidate.is_private or any(
            candidate in net for net in _EXTRA_BLOCKED if net.version == candidate.version
        ):
            return f"{address} is a private or reserved address"
        if candidate.is_reserved or not candidate.is_global:
            return f"{address} is a reserved address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def vet(host: str, port: int, allowed: tuple[Network, ...], resolver: Resolver = system_resolver) -> str:
    """The address to connect to: every address of `host` must be allowed (RefusedTarget otherwise)."""
    literal = host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(literal)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError) as exc:
            raise RefusedTarget(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise RefusedTarget(f"{host} resolves to no address")
    for address in addresses:
        reason = forbidden_reason(address, allowed)
        if reason:
            raise RefusedTarget(f"refused: {host} -> {reason}")
    return str(addresses[0])


@cache
def _tls_context(cafile: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTPSConnection whose socket goes to a vetted address while TLS and Host use the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), timeout=self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def send(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    deadline_seconds: float = 10.0,
    max_response_bytes: int = 65_536,
    allowed: tuple[Network, ...] = (),
    resolver: Resolver = system_resolver,
) -> SendResult:
    """One request under every rule above. Never raises for the target's faults: they are results."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return SendResult(None, "refused: only https:// URLs are called", elapsed_ms())
    host = parts.hostname
    try:
        port = parts.port or 443
        address = vet(host, port, allowed, resolver)
    except (RefusedTarget, ValueError) as exc:
        return SendResult(None, str(exc), elapsed_ms())
    remaining = deadline_seconds - (time.monotonic() - started)
    if remaining <= 0:
        return SendResult(None, f"timed out after {deadline_seconds:g} s (DNS)", elapsed_ms())
    cafile = os.environ.get("SSL_CERT_FILE") or None
    connection = _PinnedConnection(host, port, address, remaining, _tls_context(cafile))
    # One total deadline: a watchdog closes the socket when it passes, whatever phase is running
    # (a receiver trickling one byte at a time would defeat per-operation timeouts).
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(remaining, expire)
    watchdog.daemon = True
    watchdog.start()
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        status = response.status
        received = response.read(max_response_bytes) if max_response_bytes else b""
    except ssl.SSLCertVerificationError as exc:
        return SendResult(None, f"TLS certificate not accepted: {exc.verify_message}", elapsed_ms())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if expired.is_set():
            return SendResult(None, f"timed out after {deadline_seconds:g} s", elapsed_ms())
        return SendResult(None, f"connection failed: {type(exc).__name__}: {exc}"[:300], elapsed_ms())
    finally:
        watchdog.cancel()
        connection.close()
    if expired.is_set():
        return SendResult(None, f"timed out after {deadline_seconds:g} s", elapsed_ms())
    if 200 <= status < 300:
        return SendResult(status, None, elapsed_ms(), received)
    if 300 <= status < 400:
        return SendResult(status, f"HTTP {status}: redirects are not followed", elapsed_ms(), received)
    return SendResult(status, f"HTTP {status}", elapsed_ms(), received)
