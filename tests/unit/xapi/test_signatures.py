"""Signed statements (xAPI 1.0.3 Data 2.6): one rule per test, keys and JWS made here with pyjwt."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from trackhub.errors import InvalidInput
from trackhub.xapi.signatures import SIGNATURE_USAGE, check_signature, same_statement

STATEMENT: dict[str, Any] = {
    "id": "4f5e8a6c-2d6a-4a8b-9e2e-3c1e2b7f6a10",
    "actor": {"objectType": "Agent", "mbox": "mailto:signer@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {"id": "http://example.com/activities/signed"},
    "timestamp": "2026-11-23T10:00:00.000Z",
}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(subject_key: Any, issuer_key: Any, subject: str, issuer: str) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(issuer_key, hashes.SHA256())
    )


def x5c(*certificates: x509.Certificate) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certificates]


def signed(payload: Any, key: Any, algorithm: str = "RS256", headers: dict[str, Any] | None = None) -> bytes:
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers).encode()


def attachment(content_type: str = "application/octet-stream") -> dict[str, Any]:
    return {
        "usageType": SIGNATURE_USAGE,
        "display": {"en-US": "signature"},
        "contentType": content_type,
        "length": 1,
        "sha2": "0" * 64,
    }


def received(statement: dict[str, Any] | None = None) -> dict[str, Any]:
    """The statement as the LRS receives it: with its signature attachment added."""
    return {**copy.deepcopy(statement or STATEMENT), "attachments": [attachment()]}


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_rs_algorithms_are_accepted(key: rsa.RSAPrivateKey, algorithm: str) -> None:
    # Given a statement signed with an RS algorithm
    jws = signed(STATEMENT, key, algorithm)
    # When its signature is checked
    # Then it passes
    check_signature(received(), attachment(), jws, "statement.attachments[0]")


def b64url(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("algorithm", ["HS256", "none", "PS256", None])
def test_other_algorithms_are_refused(algorithm: str | None) -> None:
    # Given a JWS whose header names HS256 (the suite's case), none, PS256 or no algorithm
    header = {"alg": algorithm} if algorithm else {"typ": "JWT"}
    jws = f"{b64url(header)}.{b64url(STATEMENT)}.c2lnbmF0dXJl".encode()
    # When its signature is checked
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment(), jws, "statement.attachments[0]")
    # Then a 400 names the allowed algorithms
    assert "RS256, RS384, RS512" in error.value.message


def test_a_signature_attachment_must_be_octet_stream(key: rsa.RSAPrivateKey) -> None:
    # Given a valid JWS declared as text/plain
    jws = signed(STATEMENT, key)
    # When its signature is checked
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment("text/plain; charset=ascii"), jws, "statement.attachments[0]")
    # Then a 400 names the contentType
    assert error.value.message.startswith("statement.attachments[0].contentType:")


def test_a_signature_attachment_needs_its_part() -> None:
    # Given a signature attachment whose JWS was not sent
    # When its signature is checked
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment(), None, "statement.attachments[0]")
    # Then a 400 says the JWS is missing
    assert "needs its JWS" in error.value.message


@pytest.mark.parametrize(
    "jws",
    [b"not-a-jws", b"a.b", b"a..c", b"\xff\xfe.x.y", b"!!!.e30.c2ln"],
    ids=["one-segment", "two-segments", "empty-payload", "not-ascii", "bad-base64url"],
)
def test_a_malformed_jws_is_refused(jws: bytes) -> None:
    # Given content that is not a JWS in compact serialization
    # When it is checked as a signature
    # Then it is a 400
    with pytest.raises(InvalidInput):
        check_signature(received(), attachment(), jws, "statement.attachments[0]")


def test_a_payload_that_is_not_json_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a JWS over the statement's JSON with a quote broken (the suite's breakJson)
    broken = json.dumps(STATEMENT).replace('"', "'", 1).encode()
    jws = jwt.api_jws.PyJWS().encode(broken, key, algorithm="RS256").encode()
    # When its signature is checked
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment(), jws, "statement.attachments[0]")
    # Then a 400 says the payload is not JSON
    assert "payload is not valid JSON" in error.value.message


def test_a_payload_that_is_another_statement_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a JWS over a statement with another verb
    jws = signed({**STATEMENT, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}, key)
    # When it is checked against the statement it is attached to
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment(), jws, "statement.attachments[0]")
    # Then a 400 says the payload differs
    assert "payload is not the statement" in error.value.message


def test_properties_the_lrs_sets_are_not_compared() -> None:
    # Given the signed statement, and the received one with attachments, stored, authority and version
    stored = {
        **received(),
        "stored": "2026-11-23T10:00:01.000Z",
        "authority": {"mbox": "mailto:lrs@example.com"},
        "version": "1.0.3",
    }
    # When they are compared
    # Then they are the same statement
    assert same_statement(STATEMENT, stored)


@pytest.mark.parametrize("assigned", ["id", "timestamp"])
def test_properties_assigned_after_signing_are_not_compared(assigned: str) -> None:
    # Given a payload without id (or timestamp) and a received statement with one
    payload = {k: v for k, v in STATEMENT.items() if k != assigned}
    # When they are compared
    # Then they are the same statement
    assert same_statement(payload, received())


def test_uuid_case_timestamp_zone_and_member_order_are_not_compared() -> None:
    # Given the same statement with an upper-case id, the timestamp in another zone, members reordered
    members = [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]
    group = {"objectType": "Group", "member": members}
    payload = {**STATEMENT, "actor": group}
    other = {
        **STATEMENT,
        "id": STATEMENT["id"].upper(),
        "timestamp": "2026-11-23T11:00:00+01:00",
        "actor": {**group, "member": list(reversed(members))},
    }
    # When they are compared
    # Then they are the same statement
    assert same_statement(payload, other)


def test_default_object_types_are_not_compared() -> None:
    # Given a payload without objectTypes and the received statement with the defaults written out
    members = [{"mbox": "mailto:b@example.com"}, {"objectType": "Agent", "mbox": "mailto:a@example.com"}]
    payload = {**STATEMENT, "actor": {"objectType": "Group", "member": members}}
    received_members = [{"objectType": "Agent", **m} for m in members]
    other = {
        **STATEMENT,
        "actor": {"objectType": "Group", "member": list(reversed(received_members))},
        "object": {"objectType": "Activity", **STATEMENT["object"]},
    }
    # When they are compared
    # Then they are the same statement
    assert same_statement(payload, other)


def test_x5c_chain_is_verified(key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    # Given a statement signed by a leaf certificate's key, with the leaf and its issuer in x5c
    leaf = certificate(key, other_key, "signer", "issuer")
    root = certificate(other_key, other_key, "issuer", "issuer")
    jws = signed(STATEMENT, key, headers={"x5c": x5c(leaf, root)})
    # When its signature is checked
    # Then it passes
    check_signature(received(), attachment(), jws, "statement.attachments[0]")


def test_x5c_signature_by_another_key_is_refused(
    key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    # Given a JWS whose x5c leaf certificate holds another key than the one that signed
    leaf = certificate(other_key, other_key, "someone else", "someone else")
    jws = signed(STATEMENT, key, headers={"x5c": x5c(leaf)})
    # When its signature is checked
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment(), jws, "statement.attachments[0]")
    # Then a 400 says it does not verify
    assert "does not verify" in error.value.message


def test_x5c_broken_chain_is_refused(key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    # Given a leaf certificate followed by a certificate that did not issue it
    leaf = certificate(key, key, "signer", "signer")
    unrelated = certificate(other_key, other_key, "unrelated", "unrelated")
    jws = signed(STATEMENT, key, headers={"x5c": x5c(leaf, unrelated)})
    # When its signature is checked
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment(), jws, "statement.attachments[0]")
    # Then a 400 says the chain is broken
    assert "chain is broken" in error.value.message


@pytest.mark.parametrize(
    "chain", [[], "MIIB", ["not base64 !"], ["AAAA"]], ids=["empty", "string", "junk", "not-der"]
)
def test_x5c_that_cannot_be_read_is_refused(key: rsa.RSAPrivateKey, chain: Any) -> None:
    # Given an x5c header that is not a list of DER certificates
    jws = signed(STATEMENT, key, headers={"x5c": chain})
    # When its signature is checked
    # Then it is a 400
    with pytest.raises(InvalidInput):
        check_signature(received(), attachment(), jws, "statement.attachments[0]")


def test_x5c_leaf_without_rsa_key_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given an x5c leaf certificate holding an EC key
    ec_key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate(ec_key, ec_key, "ec", "ec")
    jws = signed(STATEMENT, key, headers={"x5c": x5c(leaf)})
    # When its signature is checked
    with pytest.raises(InvalidInput) as error:
        check_signature(received(), attachment(), jws, "statement.attachments[0]")
    # Then a 400 says an RSA key is needed
    assert "RSA key" in error.value.message
