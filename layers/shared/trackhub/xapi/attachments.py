"""xAPI 1.0.3 attachments (Data 2.4.11, Communication 1.5): request bodies, their rules, their content.

A PUT/POST body is application/json (attachments only by `fileUrl`) or multipart/mixed: the
statements as the first part (application/json), then one part per attachment content with
`Content-Transfer-Encoding: binary` and `X-Experience-API-Hash: <sha2>`. Content is kept in S3
under `<accountId>/<sha2>` and returned by GET with `attachments=true` as multipart/mixed again.

Hashes are compared lower-cased (hex is case-insensitive). An attachment's `length` is not checked
against its part: the spec gives the LRS no rule for it and the conformance suite sends parts whose
length differs from the declared one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from trackhub.api.guards import json_depth
from trackhub.config import api_settings
from trackhub.errors import InvalidInput, PayloadTooLarge
from trackhub.xapi import attachment_store, multipart, signatures

JSON = "application/json"
MULTIPART = "multipart/mixed"
# A Lambda answer is at most 6 MB, and base64 (binary bodies) adds a third: keep the content below.
RESPONSE_BUDGET_BYTES = 4_400_000
_DIGESTS = {
    56: hashlib.sha224,
    64: hashlib.sha256,
    96: hashlib.sha384,
    128: hashlib.sha512,
}  # sha2 hex length → SHA-2


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json(raw: bytes, what: str) -> object:
    limit = api_settings().MAX_JSON_DEPTH
    try:
        value: object = json.loads(raw, parse_constant=_no_constants)
    except RecursionError as exc:
        raise InvalidInput(f"{what}: JSON nested deeper than {limit} levels") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"{what}: malformed JSON: {exc}") from exc
    if json_depth(value) > limit:
        raise InvalidInput(f"{what}: JSON nested deeper than {limit} levels")
    return value


def _content_parts(parts: Sequence[multipart.Part]) -> dict[str, bytes]:
    """The attachment parts (all but the first) keyed by their lower-cased X-Experience-API-Hash."""
    found: dict[str, bytes] = {}
    for number, part in enumerate(parts[1:], start=2):
        encoding = (part.header("content-transfer-encoding") or "").lower()
        if encoding != "binary":
            raise InvalidInput(f"multipart part {number}: Content-Transfer-Encoding must be binary")
        sha2 = (part.header("x-experience-api-hash") or "").lower()
        if not sha2:
            raise InvalidInput(f"multipart part {number}: the X-Experience-API-Hash header is missing")
        if found.get(sha2, part.content) != part.content:
            raise InvalidInput(
                f"multipart part {number}: X-Experience-API-Hash {sha2} names two different contents"
            )
        found[sha2] = part.content
    return found


def parse_request(body: bytes, content_type: str) -> tuple[object, dict[str, bytes]]:
    """The statement(s) of a PUT/POST body and its attachment contents keyed by sha2.

    application/json gives no contents; multipart/mixed is checked for its framing and part headers.
    Any other Content-Type is refused (a form is the caller's Alternate Request Syntax to unwrap).
    """
    kind, _ = multipart.media_type(content_type)
    if kind == JSON:
        return _json(body, "body"), {}
    if kind != MULTIPART:
        raise InvalidInput(f"Content-Type must be {JSON} or {MULTIPART}, not {kind or 'missing'}")
    parts = multipart.parse(body, content_type)
    if not parts:
        raise InvalidInput("multipart body: it has no parts")
    first_type = multipart.media_type(parts[0].header("content-type") or "")[0]
    if first_type != JSON:
        raise InvalidInput(f"multipart part 1: Content-Type must be {JSON} (the statements)")
    return _json(parts[0].content, "multipart part 1"), _content_parts(parts)


def _attachments(statement: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = statement.get("attachments")
    return [a for a in value if isinstance(a, Mapping)] if isinstance(value, list) else []


def _sub_attachments(statement: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A SubStatement's attachments: their parts are accepted and returned, never required."""
    sub = statement.get("object")
    return _attachments(sub) if isinstance(sub, Mapping) and sub.get("objectType") == "SubStatement" else []


def _sha2(attachment: Mapping[str, Any]) -> str:
    value = attachment.get("sha2")
    return value.lower() if isinstance(value, str) else ""


def _check_hash(sha2: str, content: bytes) -> None:
    digest = _DIGESTS.get(len(sha2))
    if digest is None or digest(content).hexdigest() != sha2:
        raise InvalidInput(
            f"multipart part X-Experience-API-Hash {sha2}: does not match the SHA-2 of its content"
        )


def check(statements: list[dict[str, Any]], parts: Mapping[str, bytes]) -> None:
    """The attachment rules across the statements of one request and its contents (400 if broken).

    Every attachment without fileUrl has a part, every part belongs to a declared attachment,
    every part's content has its hash, and every signature attachment signs its statement.
    """
    declared: set[str] = set()
    for i, statement in enumerate(statements):
        path = f"statements[{i}]" if len(statements) > 1 else "statement"
        for j, attachment in enumerate(_attachments(statement)):
            sha2, where = _sha2(attachment), f"{path}.attachments[{j}]"
            declared.add(sha2)
            if "fileUrl" not in attachment and sha2 not in parts:
                raise InvalidInput(
                    f"{where}.sha2: no multipart part carries this attachment (and no fileUrl)"
                )
            if signatures.is_signature(attachment):
                signatures.check_signature(statement, attachment, parts.get(sha2), where)
        declared.update(_sha2(attachment) for attachment in _sub_attachments(statement))
    for sha2, content in parts.items():
        if sha2 not in declared:
            raise InvalidInput(
                f"multipart part X-Experience-API-Hash {sha2}: no attachment declares this sha2"
            )
        _check_hash(sha2, content)


def save(account_id: str, parts: Mapping[str, bytes]) -> None:
    """Store each content under `<accountId>/<sha2>`; content already there is not written again."""
    for sha2, content in parts.items():
        if not attachment_store.exists(account_id, sha2):
            attachment_store.put(account_id, sha2, content)


def response(account_id: str, result_json: str, statements: Sequence[dict[str, Any]]) -> tuple[bytes, str]:
    """A GET answer with `attachments=true`: multipart/mixed, the JSON first, then each distinct
    attachment content held for these statements (fileUrl-only attachments have none)."""
    parts = [multipart.Part(content=result_json.encode("utf-8"), headers={"Content-Type": JSON})]
    size = len(parts[0].content)
    seen: set[str] = set()
    for statement in statements:
        for attachment in [*_attachments(statement), *_sub_attachments(statement)]:
            sha2 = _sha2(attachment)
            if not sha2 or sha2 in seen:
                continue
            seen.add(sha2)
            content = attachment_store.get(account_id, sha2)
            if content is None:
                continue
            size += len(content)
            if size > RESPONSE_BUDGET_BYTES:
                raise PayloadTooLarge(
                    f"attachments: this page's attachments exceed {RESPONSE_BUDGET_BYTES} bytes;"
                    " ask for fewer statements (limit) or without attachments"
                )
            content_type = attachment.get("contentType")
            headers = {
                "Content-Type": content_type if isinstance(content_type, str) else "application/octet-stream",
                "Content-Transfer-Encoding": "binary",
                "X-Experience-API-Hash": str(attachment.get("sha2")),
            }
            parts.append(multipart.Part(content=content, headers=headers))
    return multipart.build(parts)
