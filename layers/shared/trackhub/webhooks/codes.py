"""The {WEBHOOK} / {WEBHOOKJS} code grammar (docs/webhooks.md has it with its edge cases).

    code    = "{" name ":" url [":" secret [":" method [":" lock]]] "}"     lock: WEBHOOK only
    name    = "WEBHOOK" | "WEBHOOKJS"                                       upper case
    url     = "https://" authority [path-query-fragment]
    authority = host [":" port]         host: a DNS name, an IPv4 literal or "[" IPv6 "]"
    path-query-fragment = ("/" | "?" | "#") *(any URL character except ":")
    secret  = 1*200 ALPHA / DIGIT
    method  = "GET" | "POST"            (any case; default GET)
    lock    = 1*9 DIGIT                 minutes, default 15, 0 = no lock

The URL ends at the first ':' after its authority, so a ':' inside a path or query is written %3A.
A ':' right after the host followed by digits is the port (`https://h:8443`), never a secret.
Content is HTML, so character references inside a code (`&amp;`) are decoded first. A code that
breaks a rule is a `CodeError` (position + reason) and is never called.
"""

from __future__ import annotations

import html
import ipaddress
import re
from enum import StrEnum
from typing import NamedTuple

from trackhub.webhooks.models import Method

DEFAULT_LOCK_MINUTES = 15
MAX_LOCK_MINUTES = 999_999_999  # about 1900 years: "once ever"
MAX_URL_CHARS = 2048
MAX_SECRET_CHARS = 200

# The start of anything that looks like a code, in any case, so a mis-cased one is reported too.
_START = re.compile(r"\{(webhookjs|webhook)(?=[:}\s]|$)", re.IGNORECASE)
# A code ends at '}'; these characters cannot be inside one, so meeting one first means it never closed.
_BREAKERS = frozenset(" \t\r\n<>{\"'")
_SECRET = re.compile(r"^[A-Za-z0-9]+$")
_LOCK = re.compile(r"^[0-9]+$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_URL_TAIL = re.compile(r"^[A-Za-z0-9\-._~!$&()*+,;=/?#@%\[\]]*$")


class CodeKind(StrEnum):
    WEBHOOK = "WEBHOOK"
    WEBHOOKJS = "WEBHOOKJS"


class WebhookCode(NamedTuple):
    kind: CodeKind
    url: str
    secret: str | None
    method: Method
    lock_minutes: int  # 0 for WEBHOOKJS and for "no lock"
    text: str  # the code as written
    start: int  # offset of '{' in the content
    end: int  # offset just after '}'


class CodeError(NamedTuple):
    code: str  # the offending text as written (at most 200 characters)
    position: int  # 0-based character offset of '{' in the content
    line: int
    column: int
    reason: str
    end: int


class InvalidCode(ValueError):
    """A single code (a subscription's) that breaks the grammar."""

    def __init__(self, error: CodeError) -> None:
        super().__init__(error.reason)
        self.error = error


class Scan(NamedTuple):
    codes: tuple[WebhookCode, ...]
    errors: tuple[CodeError, ...]


def _line_column(content: str, position: int) -> tuple[int, int]:
    line = content.count("\n", 0, position) + 1
    return line, position - (content.rfind("\n", 0, position) + 1) + 1


def _error(content: str, start: int, end: int, reason: str) -> CodeError:
    line, column = _line_column(content, start)
    return CodeError(
        code=content[start:end][:200], position=start, line=line, column=column, reason=reason, end=end
    )


def _extent(content: str, start: int) -> tuple[int, bool]:
    """(end, closed): just after the closing '}', or where the code was cut off."""
    for index in range(start + 1, len(content)):
        char = content[index]
        if char == "}":
            return index + 1, True
        if char in _BREAKERS:
            return index, False
    return len(content), False


def _host_ok(host: str) -> bool:
    if host.startswith("["):
        if not host.endswith("]"):
            return False
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    return bool(_HOSTNAME.match(host))


def split_url(body: str) -> tuple[str, list[str]]:
    """(url, option tokens) of a code's body; ValueError with the reason when the URL is malformed."""
    if not body.lower().startswith("https://"):
        if body.lower().startswith("http://"):
            raise ValueError("the URL must start with https:// (plain http is refused)")
        raise ValueError("a URL starting with https:// is required")
    rest = body[len("https://") :]
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            raise ValueError("an IPv6 host must be closed with ']'")
        host, rest = rest[: close + 1], rest[close + 1 :]
    else:
        match = re.match(r"^[^/?#:]*", rest)
        host = match.group(0) if match else ""
        rest = rest[len(host) :]
    if "@" in host:
        raise ValueError("credentials in the URL (user@host) are not allowed")
    if not _host_ok(host):
        raise ValueError(f"the URL's host {host[:100]!r} is not a valid host name or IP address")
    port = ""
    port_match = re.match(r"^:([0-9]+)(?=[/?#:]|$)", rest)
    if port_match:
        port = port_match.group(1)
        if not 1 <= int(port) <= 65535:
            raise ValueError(f"port {port} is out of range (1-65535)")
        rest = rest[port_match.end() :]
    tail, _, options = rest.partition(":")
    if tail and tail[0] not in "/?#":
        raise ValueError("the URL's host must be followed by '/', '?', '#', a port or ':'")
    if not _URL_TAIL.match(tail):
        raise ValueError("the URL contains characters that must be percent-encoded")
    url = f"https://{host}{':' + port if port else ''}{tail}"
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"the URL is longer than {MAX_URL_CHARS} characters")
    return url, (options.split(":") if ":" in rest else [])


def _parse_options(kind: CodeKind, tokens: list[str]) -> tuple[str | None, Method, int]:
    allowed = 3 if kind is CodeKind.WEBHOOK else 2
    if len(tokens) > allowed:
        extra = "a lock" if kind is CodeKind.WEBHOOKJS and len(tokens) == 3 else "too many ':' parts"
        hint = (
            "{WEBHOOKJS} takes no lock"
            if extra == "a lock"
            else f"expected at most url:secret:method{':lock' if allowed == 3 else ''} "
            "(a ':' inside the URL's path or query must be written %3A)"
        )
        raise ValueError(hint)
    secret: str | None = None
    method = Method.GET
    lock = DEFAULT_LOCK_MINUTES if kind is CodeKind.WEBHOOK else 0
    if tokens:
        secret = tokens[0]
        if not secret:
            raise ValueError("the secret must not be empty (leave out ':' and everything after it instead)")
        if not _SECRET.match(secret):
            raise ValueError("the secret must be letters and digits only (A-Z, a-z, 0-9)")
        if len(secret) > MAX_SECRET_CHARS:
            raise ValueError(f"the secret is longer than {MAX_SECRET_CHARS} characters")
    if len(tokens) > 1:
        try:
            method = Method(tokens[1].upper())
        except ValueError:
            raise ValueError(f"the method must be GET or POST, not {tokens[1][:20]!r}") from None
    if len(tokens) > 2:
        if not _LOCK.match(tokens[2]) or int(tokens[2]) > MAX_LOCK_MINUTES:
            raise ValueError(
                f"the lock must be a whole number of minutes from 0 to {MAX_LOCK_MINUTES}, "
                f"not {tokens[2][:20]!r}"
            )
        lock = int(tokens[2])
    return secret, method, lock


def _parse_one(content: str, start: int, name: str) -> WebhookCode | CodeError:
    end, closed = _extent(content, start)
    if not closed:
        return _error(content, start, end, "the code is not closed with '}' (spaces, quotes and '<' end it)")
    if name != name.upper():
        return _error(content, start, end, f"write the code name in capitals: {{{name.upper()}:...}}")
    kind = CodeKind(name)
    after = start + 1 + len(name)
    if content[after] == "}":
        return _error(content, start, end, f"{{{name}}} needs a URL: {{{name}:https://...}}")
    body = html.unescape(content[after + 1 : end - 1])
    try:
        url, tokens = split_url(body)
        secret, method, lock = _parse_options(kind, tokens)
    except ValueError as exc:
        return _error(content, start, end, str(exc))
    return WebhookCode(
        kind=kind,
        url=url,
        secret=secret,
        method=method,
        lock_minutes=lock,
        text=content[start:end],
        start=start,
        end=end,
    )


def scan(content: str) -> Scan:
    """Every code in `content`, in order, and every malformed one with its position and reason."""
    codes: list[WebhookCode] = []
    errors: list[CodeError] = []
    position = 0
    while True:
        match = _START.search(content, position)
        if match is None:
            break
        parsed = _parse_one(content, match.start(), match.group(1))
        if isinstance(parsed, CodeError):
            errors.append(parsed)
            position = max(parsed.end, match.end())
        else:
            codes.append(parsed)
            position = parsed.end
    return Scan(codes=tuple(codes), errors=tuple(errors))


def parse_code(text: str, *, kind: CodeKind | None = CodeKind.WEBHOOK) -> WebhookCode:
    """Exactly one code and nothing else (a subscription's `code`); InvalidCode otherwise."""
    result = scan(text)
    if result.errors:
        raise InvalidCode(result.errors[0])
    if len(result.codes) != 1 or result.codes[0].text != text:
        raise InvalidCode(
            _error(text, 0, len(text), "expected exactly one code such as {WEBHOOK:https://...}")
        )
    code = result.codes[0]
    if kind is not None and code.kind is not kind:
        raise InvalidCode(_error(text, 0, len(text), f"expected a {{{kind}:...}} code"))
    return code
