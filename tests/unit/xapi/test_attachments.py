"""xAPI attachments (Data 2.4.11, Communication 1.5): request bodies, their rules, content in S3."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
import jwt
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import rsa

from trackhub.errors import DependencyUnavailable, InvalidInput, PayloadTooLarge
from trackhub.xapi import attachment_store, attachments, multipart
from trackhub.xapi.signatures import SIGNATURE_USAGE

BOUNDARY = "-------314159265358979323846"
MULTIPART = f"multipart/mixed; boundary={BOUNDARY}"
TEXT = b"here is a simple attachment\r\n--not a boundary\r\n"
TEXT_SHA2 = hashlib.sha256(TEXT).hexdigest()
IMAGE = bytes(range(256)) * 8
IMAGE_SHA2 = hashlib.sha256(IMAGE).hexdigest()
ACCOUNT = "acc-1"


def declared(sha2: str, **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain",
        "length": 27,
        "sha2": sha2,
        **extra,
    }


def statement(*attached: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:learner@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
        "object": {"id": "http://example.com/activities/a"},
        **({"attachments": list(attached)} if attached else {}),
        **extra,
    }


def part(
    content: bytes, sha2: str | None = None, encoding: str | None = "binary", kind: str = "text/plain"
) -> bytes:
    headers = f"Content-Type: {kind}\r\n"
    headers += f"Content-Transfer-Encoding: {encoding}\r\n" if encoding else ""
    headers += f"X-Experience-API-Hash: {sha2}\r\n" if sha2 else ""
    return headers.encode() + b"\r\n" + content


def body(first: Any, *parts: bytes, first_type: str = "application/json") -> bytes:
    dash = b"--" + BOUNDARY.encode()
    head = f"Content-Type: {first_type}\r\n\r\n".encode() + json.dumps(first).encode()
    return b"".join(dash + b"\r\n" + p + b"\r\n" for p in (head, *parts)) + dash + b"--\r\n"


# ------------------------------------------------------------------------------------ parse_request


def test_json_body_has_no_parts() -> None:
    # Given an application/json body
    # When it is parsed
    value, parts = attachments.parse_request(
        json.dumps(statement()).encode(), "application/json; charset=utf-8"
    )
    # Then the statement comes back without contents
    assert value == statement()
    assert parts == {}


def test_multipart_body_gives_statements_and_contents_by_hash() -> None:
    # Given a multipart body with a statement and two attachment parts (one with upper-case hash)
    raw = body(statement(), part(TEXT, TEXT_SHA2), part(IMAGE, IMAGE_SHA2.upper(), kind="image/png"))
    # When it is parsed
    value, parts = attachments.parse_request(raw, MULTIPART)
    # Then the JSON is the first part and contents are keyed by lower-case hash, byte for byte
    assert value == statement()
    assert parts == {TEXT_SHA2: TEXT, IMAGE_SHA2: IMAGE}


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=x", "text/plain", ""])
def test_other_content_types_are_refused(content_type: str) -> None:
    # Given a body sent as form-data, text or without Content-Type
    # When it is parsed
    with pytest.raises(InvalidInput) as error:
        attachments.parse_request(b"{}", content_type)
    # Then a 400 names the Content-Type rule
    assert error.value.message.startswith("Content-Type must be application/json or multipart/mixed")


def test_first_part_must_be_json() -> None:
    # Given a multipart body whose first part is text/plain
    raw = body(statement(), part(TEXT, TEXT_SHA2), first_type="text/plain")
    # When it is parsed
    with pytest.raises(InvalidInput) as error:
        attachments.parse_request(raw, MULTIPART)
    # Then a 400 names the first part
    assert error.value.message.startswith("multipart part 1: Content-Type must be application/json")


def test_first_part_must_be_valid_json() -> None:
    # Given a multipart body whose first part is not JSON
    raw = body(statement()).replace(b'{"actor"', b"{'actor'", 1)
    # When it is parsed
    with pytest.raises(InvalidInput) as error:
        attachments.parse_request(raw, MULTIPART)
    # Then a 400 says it is malformed
    assert error.value.message.startswith("multipart part 1: malformed JSON")


def test_json_deeper_than_the_limit_is_refused() -> None:
    # Given a statement nested deeper than MAX_JSON_DEPTH
    deep: Any = {}
    for _ in range(40):
        deep = {"a": deep}
    # When it is parsed
    with pytest.raises(InvalidInput) as error:
        attachments.parse_request(json.dumps(deep).encode(), "application/json")
    # Then a 400 names the depth limit
    assert "nested deeper" in error.value.message


def test_a_malformed_multipart_body_is_refused() -> None:
    # Given a multipart Content-Type without a boundary
    # When it is parsed
    # Then it is a 400
    with pytest.raises(InvalidInput):
        attachments.parse_request(body(statement()), "multipart/mixed;")


def test_attachment_parts_must_be_binary() -> None:
    # Given an attachment part declaring base64 transfer encoding
    raw = body(statement(), part(TEXT, TEXT_SHA2, encoding="base64"))
    # When it is parsed
    with pytest.raises(InvalidInput) as error:
        attachments.parse_request(raw, MULTIPART)
    # Then a 400 names the header
    assert error.value.message == "multipart part 2: Content-Transfer-Encoding must be binary"


def test_attachment_parts_need_content_transfer_encoding() -> None:
    # Given an attachment part without Content-Transfer-Encoding
    raw = body(statement(), part(TEXT, TEXT_SHA2, encoding=None))
    # When it is parsed
    # Then it is a 400
    with pytest.raises(InvalidInput, match="Content-Transfer-Encoding"):
        attachments.parse_request(raw, MULTIPART)


def test_attachment_parts_need_a_hash() -> None:
    # Given an attachment part without X-Experience-API-Hash
    raw = body(statement(), part(TEXT))
    # When it is parsed
    with pytest.raises(InvalidInput) as error:
        attachments.parse_request(raw, MULTIPART)
    # Then a 400 names the header
    assert error.value.message == "multipart part 2: the X-Experience-API-Hash header is missing"


def test_one_hash_for_two_contents_is_refused() -> None:
    # Given two parts with the same hash and different content
    raw = body(statement(), part(TEXT, TEXT_SHA2), part(IMAGE, TEXT_SHA2))
    # When it is parsed
    # Then it is a 400
    with pytest.raises(InvalidInput, match="names two different contents"):
        attachments.parse_request(raw, MULTIPART)


def test_the_same_content_twice_is_one_part() -> None:
    # Given the same part sent twice
    raw = body(statement(), part(TEXT, TEXT_SHA2), part(TEXT, TEXT_SHA2))
    # When it is parsed
    _, parts = attachments.parse_request(raw, MULTIPART)
    # Then it is one content
    assert parts == {TEXT_SHA2: TEXT}


# -------------------------------------------------------------------------------------------- check


def test_attachment_without_file_url_needs_its_part() -> None:
    # Given two statements, the second declaring raw content that was not sent
    statements = [statement(), statement(declared(TEXT_SHA2))]
    # When the attachment rules are checked
    with pytest.raises(InvalidInput) as error:
        attachments.check(statements, {})
    # Then a 400 names the attachment's sha2
    assert error.value.message.startswith("statements[1].attachments[0].sha2: no multipart part")


def test_attachment_with_file_url_needs_no_part() -> None:
    # Given an attachment by fileUrl in a JSON request
    # When the attachment rules are checked
    # Then they pass
    attachments.check([statement(declared(TEXT_SHA2, fileUrl="http://example.com/file.txt"))], {})


def test_attachment_with_file_url_may_also_have_its_part() -> None:
    # Given an attachment with fileUrl whose content is sent too (the suite stores and returns it)
    # When the attachment rules are checked
    # Then they pass
    attachments.check(
        [statement(declared(TEXT_SHA2, fileUrl="http://example.com/file.txt"))], {TEXT_SHA2: TEXT}
    )


def test_a_part_no_statement_declares_is_refused() -> None:
    # Given a part beyond the declared attachments (the suite's excess multipart section)
    parts = {TEXT_SHA2: TEXT, IMAGE_SHA2: IMAGE}
    # When the attachment rules are checked
    with pytest.raises(InvalidInput) as error:
        attachments.check([statement(declared(TEXT_SHA2))], parts)
    # Then a 400 names the undeclared hash
    assert error.value.message == (
        f"multipart part X-Experience-API-Hash {IMAGE_SHA2}: no attachment declares this sha2"
    )


def test_content_must_match_its_hash() -> None:
    # Given a part whose content is not what its hash says
    # When the attachment rules are checked
    with pytest.raises(InvalidInput) as error:
        attachments.check([statement(declared(TEXT_SHA2))], {TEXT_SHA2: IMAGE})
    # Then a 400 names the hash
    assert "does not match the SHA-2 of its content" in error.value.message


@pytest.mark.parametrize("digest", [hashlib.sha224, hashlib.sha384, hashlib.sha512])
def test_other_sha2_lengths_are_verified(digest: Any) -> None:
    # Given an attachment hashed with another SHA-2 function
    sha2 = digest(TEXT).hexdigest()
    # When the attachment rules are checked
    # Then they pass
    attachments.check([statement(declared(sha2))], {sha2: TEXT})


def test_hashes_compare_without_case() -> None:
    # Given a statement declaring an upper-case sha2 and its part (keyed lower-case by parse_request)
    # When the attachment rules are checked
    # Then they pass
    attachments.check([statement(declared(TEXT_SHA2.upper()))], {TEXT_SHA2: TEXT})


def test_sub_statement_parts_are_accepted_but_not_required() -> None:
    # Given a SubStatement declaring two raw attachments, only one of them sent
    sub = {"objectType": "SubStatement", **statement(declared(TEXT_SHA2), declared(IMAGE_SHA2))}
    # When the attachment rules are checked
    # Then they pass
    attachments.check([statement(object=sub)], {TEXT_SHA2: TEXT})


def test_signature_attachments_are_checked() -> None:
    # Given a statement signed over another statement
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jws = jwt.encode(
        {**statement(), "verb": {"id": "http://example.com/other"}}, key, algorithm="RS256"
    ).encode()
    sha2 = hashlib.sha256(jws).hexdigest()
    signature = {**declared(sha2), "usageType": SIGNATURE_USAGE, "contentType": "application/octet-stream"}
    # When the attachment rules are checked
    with pytest.raises(InvalidInput) as error:
        attachments.check([statement(signature)], {sha2: jws})
    # Then a 400 names the signature attachment
    assert error.value.message.startswith("statement.attachments[0]: the JWS payload is not the statement")


# ------------------------------------------------------------------------------------ save, response


def stored_object(bucket: str, sha2: str) -> bytes:
    answer = boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket, Key=f"{ACCOUNT}/{sha2}")
    return answer["Body"].read()


def test_save_stores_content_under_account_and_hash(hub_tables: dict[str, str]) -> None:
    # Given two contents
    # When they are saved
    attachments.save(ACCOUNT, {TEXT_SHA2: TEXT, IMAGE_SHA2: IMAGE})
    # Then each is in the bucket under <accountId>/<sha2>, byte for byte
    bucket = boto3.client("s3", region_name="us-east-1").list_buckets()["Buckets"][0]["Name"]
    assert stored_object(bucket, TEXT_SHA2) == TEXT
    assert stored_object(bucket, IMAGE_SHA2) == IMAGE


def test_save_does_not_write_content_already_stored(
    hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given content already saved once
    attachments.save(ACCOUNT, {TEXT_SHA2: TEXT})
    writes: list[str] = []
    monkeypatch.setattr(attachment_store, "put", lambda account, sha2, content: writes.append(sha2))
    # When the same and a new content are saved
    attachments.save(ACCOUNT, {TEXT_SHA2: TEXT, IMAGE_SHA2: IMAGE})
    # Then only the new content is written
    assert writes == [IMAGE_SHA2]


def test_store_outage_is_503(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given S3 throttling every call
    def slow_down(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow"}}, "HeadObject")

    monkeypatch.setattr(attachment_store.s3_client(), "head_object", slow_down)
    # When content is saved
    # Then the caller gets a retryable 503
    with pytest.raises(DependencyUnavailable):
        attachments.save(ACCOUNT, {TEXT_SHA2: TEXT})


def test_response_is_json_then_each_stored_content_once(hub_tables: dict[str, str]) -> None:
    # Given two statements sharing one stored content, and a fileUrl-only attachment
    attachments.save(ACCOUNT, {TEXT_SHA2: TEXT, IMAGE_SHA2: IMAGE})
    by_url = declared("a" * 64, fileUrl="http://example.com/elsewhere.txt")
    statements = [
        statement(declared(TEXT_SHA2), by_url),
        statement(declared(TEXT_SHA2), declared(IMAGE_SHA2, contentType="image/png")),
    ]
    result = json.dumps({"statements": statements, "more": ""})
    # When the multipart answer is built
    raw, content_type = attachments.response(ACCOUNT, result, statements)
    # Then the JSON comes first, then each stored content once with its headers
    parts = multipart.parse(raw, content_type)
    assert parts[0].header("content-type") == "application/json"
    assert json.loads(parts[0].content) == json.loads(result)
    assert [(p.header("x-experience-api-hash"), p.content) for p in parts[1:]] == [
        (TEXT_SHA2, TEXT),
        (IMAGE_SHA2, IMAGE),
    ]
    assert parts[2].header("content-type") == "image/png"
    assert {p.header("content-transfer-encoding") for p in parts[1:]} == {"binary"}


def test_response_reads_only_the_callers_account(hub_tables: dict[str, str]) -> None:
    # Given content stored for another account
    attachments.save("other-account", {TEXT_SHA2: TEXT})
    statements = [statement(declared(TEXT_SHA2))]
    # When this account's answer is built
    raw, content_type = attachments.response(ACCOUNT, json.dumps(statements[0]), statements)
    # Then it holds the JSON only
    assert len(multipart.parse(raw, content_type)) == 1


def test_response_beyond_the_lambda_answer_limit_is_413(
    hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given stored content larger than what one answer may carry (budget lowered for the test)
    monkeypatch.setattr(attachments, "RESPONSE_BUDGET_BYTES", len(IMAGE))
    attachments.save(ACCOUNT, {IMAGE_SHA2: IMAGE})
    statements = [statement(declared(IMAGE_SHA2))]
    # When the multipart answer is built
    with pytest.raises(PayloadTooLarge) as error:
        attachments.response(ACCOUNT, json.dumps(statements[0]), statements)
    # Then a 413 says to ask for fewer statements
    assert "ask for fewer statements" in error.value.message
