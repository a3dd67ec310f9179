"""multipart/mixed bodies (RFC 2046 §5.1) as xAPI 1.0.3 uses them: parse a request, build a response.

A compact parser rather than the stdlib `email` package: `email` repairs broken bodies silently
(it records "defects" instead of failing) while the xAPI rules want a clear 400, and its line-based
feed parser re-joins binary content line by line. Here every delimiter is found with `bytes.find`
from where the previous one ended, so a body is scanned once (linear, also for megabytes).
Line endings are CRLF, as RFC 2046 and xAPI require; part content is returned byte for byte.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from trackhub.errors import InvalidInput

CRLF = b"\r\n"
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$")  # RFC 2046 bchars
_PARAM = re.compile(r'\s*;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_TRANSPORT_PADDING = b" \t"


class Part(NamedTuple):
    """One body part: its header fields (names lower-cased) and its content, unchanged."""

    content: bytes
    headers: Mapping[str, str]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` lower-cased and the parameters (names lower-cased, quotes removed)."""
    kind, _, rest = content_type.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM.finditer(";" + rest):
        value = match.group(2).strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[match.group(1).lower()] = value
    return kind.strip().lower(), params


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type; InvalidInput when absent or invalid."""
    boundary = media_type(content_type)[1].get("boundary", "")
    if not boundary:
        raise InvalidInput("Content-Type: multipart/mixed needs a boundary parameter")
    if not _BOUNDARY.match(boundary):
        raise InvalidInput("Content-Type: the multipart boundary must be 1-70 RFC 2046 characters")
    return boundary


def _after_delimiter(body: bytes, at: int) -> tuple[bool, int] | None:
    """At the end of `--boundary`: (is the close delimiter, where the next part starts), or None
    when these bytes only begin like a delimiter (the boundary is a prefix of longer text)."""
    if body.startswith(b"--", at):
        return True, at + 2
    end = at
    while end < len(body) and body[end] in _TRANSPORT_PADDING:
        end += 1
    if body.startswith(CRLF, end):
        return False, end + 2
    return None


def _headers(block: bytes, index: int) -> dict[str, str]:
    headers: dict[str, str] = {}
    last = ""
    for line in block.decode("latin-1").split("\r\n"):
        if line[:1] in (" ", "\t") and last:  # folded continuation (RFC 5322 §2.2.3)
            headers[last] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or " " in name:
            raise InvalidInput(f"multipart part {index + 1}: malformed header line {line[:80]!r}")
        headers[name] = value.strip()
        last = name
    return headers


def _part(raw: bytes, index: int) -> Part:
    if raw.startswith(CRLF):  # no header fields at all: content follows the blank line
        return Part(content=raw[2:], headers={})
    end = raw.find(CRLF + CRLF)
    if end < 0:
        raise InvalidInput(f"multipart part {index + 1}: header fields are not ended by a blank line")
    return Part(content=raw[end + 4 :], headers=_headers(raw[:end], index))


def parse(body: bytes, content_type: str) -> list[Part]:
    """The body parts of a multipart body; InvalidInput (400) for any framing error."""
    dash = b"--" + boundary_of(content_type).encode("ascii")
    delimiter = CRLF + dash
    # The first delimiter may open the body (no preamble) or follow a preamble line.
    if body.startswith(dash):
        start = 0
    else:
        found = body.find(delimiter)
        if found < 0:
            raise InvalidInput("multipart body: the boundary of the Content-Type does not occur in it")
        start = found + 2
    opened = _after_delimiter(body, start + len(dash))
    if opened is None or opened[0]:
        raise InvalidInput("multipart body: the first boundary delimiter line is malformed")
    parts: list[Part] = []
    part_start, search = opened[1], opened[1] - 2  # an empty part's delimiter reuses the CRLF
    while True:
        found = body.find(delimiter, search)
        if found < 0:
            raise InvalidInput("multipart body: the closing boundary delimiter is missing")
        after = _after_delimiter(body, found + len(delimiter))
        if after is None:
            search = found + 1
            continue
        parts.append(_part(body[part_start:found] if found >= part_start else b"", len(parts)))
        closed, part_start = after
        if closed:
            return parts
        search = part_start - 2


def build(parts: Sequence[Part]) -> tuple[bytes, str]:
    """A multipart/mixed body of `parts` and its Content-Type (with an unquoted boundary)."""
    boundary = uuid.uuid4().hex
    while any(boundary.encode("ascii") in part.content for part in parts):
        boundary = uuid.uuid4().hex  # practically never: 122 random bits
    dash = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for part in parts:
        chunks.append(dash + CRLF)
        for name, value in part.headers.items():  # no CR/LF from a value may end the header early
            chunks.append(f"{name}: {' '.join(value.splitlines())}\r\n".encode("latin-1", "replace"))
        chunks.append(CRLF)
        chunks.append(part.content)
        chunks.append(CRLF)
    chunks.append(dash + b"--" + CRLF)
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
