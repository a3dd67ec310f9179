"""Signed statements (xAPI 1.0.3 Data 2.6): the JWS attachment a statement may carry.

A signature is an attachment with usageType `SIGNATURE_USAGE` and contentType
application/octet-stream whose raw part is a JWS in compact serialization. The LRS rejects (400)
one that is malformed, uses an algorithm other than RS256/RS384/RS512, or whose payload is not the
statement it is attached to. With an `x5c` header the signature is verified with the leaf
certificate's key and each certificate must be issued by the next; without one there is no key to
verify against (the spec leaves trust to the reader, who gets the JWS back as the attachment).

pyjwt and cryptography are imported on first use: only signed statements pay for them.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
from collections.abc import Mapping
from typing import Any

from trackhub.errors import InvalidInput
from trackhub.xapi import compare

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_CONTENT_TYPE = "application/octet-stream"
ALGORITHMS = ("RS256", "RS384", "RS512")


def is_signature(attachment: Mapping[str, Any]) -> bool:
    return attachment.get("usageType") == SIGNATURE_USAGE


def _b64url(segment: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{what} is not base64url") from exc


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"{what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object")
    return value


def _members_sorted(value: Any) -> Any:
    """The same value with every Group's members in one order (a Group is not an ordered list)."""
    if isinstance(value, dict):
        return {k: _members_sorted_list(v) if k == "member" else _members_sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_members_sorted(v) for v in value]
    return value


def _members_sorted_list(value: Any) -> Any:
    if not isinstance(value, list):
        return _members_sorted(value)
    return sorted((_members_sorted(v) for v in value), key=_member_key)


def _member_key(member: Any) -> str:
    # A member's objectType Agent is the default: written out or not, it sorts the same.
    if isinstance(member, dict) and member.get("objectType") == "Agent":
        member = {k: v for k, v in member.items() if k != "objectType"}
    return json.dumps(member, sort_keys=True)


def same_statement(signed: Mapping[str, Any], received: Mapping[str, Any]) -> bool:
    """Whether a JWS payload is the received statement, before the signature and the LRS added theirs.

    The LRS's own comparison (compare.py: UUID case, timestamp form, default objectTypes, LRS-set
    properties) after dropping the attachments, and the id or timestamp the signer left to the LRS.
    """
    dropped = ("attachments", *(key for key in ("id", "timestamp") if key not in signed))
    left = _members_sorted({k: v for k, v in signed.items() if k not in dropped})
    right = _members_sorted({k: v for k, v in received.items() if k not in dropped})
    return compare.same_statement(left, right)


def _verify_x5c(token: str, header: Mapping[str, Any], path: str) -> None:
    """Verify the JWS with the leaf certificate of `x5c` and that each certificate issued the previous."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from jwt import PyJWS
    from jwt.exceptions import InvalidTokenError

    chain = header["x5c"]
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise InvalidInput(f"{path}: the JWS header x5c must be a non-empty array of certificates")
    try:
        certificates = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in chain]
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{path}: the JWS header x5c holds a certificate that cannot be read") from exc
    key = certificates[0].public_key()
    if not isinstance(key, RSAPublicKey):
        raise InvalidInput(f"{path}: the x5c leaf certificate must hold an RSA key for {header['alg']}")
    try:
        PyJWS().decode_complete(token, key=key, algorithms=[str(header["alg"])])
    except InvalidTokenError as exc:
        raise InvalidInput(f"{path}: the JWS signature does not verify with the x5c certificate") from exc
    for child, issuer in itertools.pairwise(certificates):
        try:
            child.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise InvalidInput(
                f"{path}: the x5c certificate chain is broken: {child.subject.rfc4514_string()}"
            ) from exc


def check_signature(
    statement: Mapping[str, Any], attachment: Mapping[str, Any], jws: bytes | None, path: str
) -> None:
    """Raise InvalidInput unless `jws` is a valid signature of `statement` (its attachment at `path`)."""
    content_type = str(attachment.get("contentType", "")).partition(";")[0].strip().lower()
    if content_type != SIGNATURE_CONTENT_TYPE:
        raise InvalidInput(f"{path}.contentType: a signature attachment must be {SIGNATURE_CONTENT_TYPE}")
    if jws is None:
        raise InvalidInput(f"{path}: a signature attachment needs its JWS as a multipart part")
    try:
        token = jws.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: the signature is not a JWS in compact serialization") from exc
    segments = token.split(".")
    if len(segments) != 3 or not all(segments):
        raise InvalidInput(f"{path}: the signature is not a JWS in compact serialization")
    header = _json_object(_b64url(segments[0], f"{path}: the JWS header"), f"{path}: the JWS header")
    if header.get("alg") not in ALGORITHMS:
        raise InvalidInput(f"{path}: the JWS algorithm must be one of {', '.join(ALGORITHMS)}")
    payload = _json_object(_b64url(segments[1], f"{path}: the JWS payload"), f"{path}: the JWS payload")
    _b64url(segments[2], f"{path}: the JWS signature")
    if "x5c" in header:
        _verify_x5c(token, header, path)
    if not same_statement(payload, statement):
        raise InvalidInput(f"{path}: the JWS payload is not the statement it signs")
