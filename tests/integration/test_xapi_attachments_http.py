"""xAPI attachments over HTTP through the local stack: a statement with binary content posted as
multipart/mixed, read back with attachments=true byte for byte, and a signed statement."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hubtest.http import HttpReply, call
from hubtest.localhub import Hub

from trackhub.xapi import multipart

pytestmark = pytest.mark.integration

XAPI = {"X-Experience-API-Version": "1.0.3"}
CONTENT = bytes(range(256)) * 64 + b"\r\n--not-the-boundary\r\n"  # 16 KB of every byte value
SHA2 = hashlib.sha256(CONTENT).hexdigest()


def statement(*attached: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:attachments@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
        "object": {"id": "http://example.com/activities/with-attachment"},
        "attachments": list(attached),
    }


def declared(sha2: str, content: bytes, content_type: str, usage: str) -> dict[str, Any]:
    return {
        "usageType": usage,
        "display": {"en-US": "an attachment"},
        "contentType": content_type,
        "length": len(content),
        "sha2": sha2,
    }


def post_multipart(
    hub: Hub, value: Any, contents: list[tuple[str, bytes, str]], method: str = "POST"
) -> HttpReply:
    parts = [multipart.Part(json.dumps(value).encode(), {"Content-Type": "application/json"})]
    parts += [
        multipart.Part(
            content,
            {"Content-Type": kind, "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": sha2},
        )
        for sha2, content, kind in contents
    ]
    body, content_type = multipart.build(parts)
    headers = {**XAPI, "Content-Type": content_type}
    query = f"?statementId={value['id']}" if method == "PUT" else ""
    url = f"{hub.url}/xapi/statements{query}"
    return call(method, url, data=body, headers=headers, auth=hub.creds("apiKey"))


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_binary_attachment_round_trips(hub: Hub, method: str) -> None:
    # Given a statement whose attachment is 16 KB of binary content, sent as multipart/mixed
    sent = statement(declared(SHA2, CONTENT, "application/octet-stream", "http://example.com/usage/blob"))
    written = post_multipart(hub, sent, [(SHA2, CONTENT, "application/octet-stream")], method)
    assert written.status == (200 if method == "POST" else 204), written.text
    # When it is read back with attachments=true
    url = f"{hub.url}/xapi/statements?statementId={sent['id']}&attachments=true"
    got = call("GET", url, headers=XAPI, auth=hub.creds("apiKey"))
    # Then the answer is multipart/mixed: the statement, then the content byte for byte
    assert got.status == 200
    content_type = got.header("Content-Type") or ""
    assert content_type.startswith("multipart/mixed; boundary=")
    parts = multipart.parse(got.body, content_type)
    assert json.loads(parts[0].content)["id"] == sent["id"]
    assert [(p.header("x-experience-api-hash"), p.content) for p in parts[1:]] == [(SHA2, CONTENT)]


def test_a_part_no_statement_declares_is_refused(hub: Hub) -> None:
    # Given a statement posted with an extra part nobody declares
    sent = statement(declared(SHA2, CONTENT, "application/octet-stream", "http://example.com/usage/blob"))
    extra = b"undeclared"
    reply = post_multipart(
        hub, sent, [(SHA2, CONTENT, "text/plain"), (hashlib.sha256(extra).hexdigest(), extra, "text/plain")]
    )
    # When it is answered
    # Then it is a 400 and the statement was not stored
    assert reply.status == 400
    got = call(
        "GET", f"{hub.url}/xapi/statements?statementId={sent['id']}", headers=XAPI, auth=hub.creds("apiKey")
    )
    assert got.status == 404


def test_multipart_form_data_is_refused_even_around_json(hub: Hub) -> None:
    # Given a statement by fileUrl sent as JSON but labelled multipart/form-data
    by_url = {
        **declared(SHA2, CONTENT, "text/plain", "http://example.com/usage/blob"),
        "fileUrl": "http://a.b/c",
    }
    headers = {**XAPI, "Content-Type": "multipart/form-data; boundary=-------314159265358979323846"}
    # When it is posted
    reply = call(
        "POST",
        f"{hub.url}/xapi/statements",
        data=json.dumps(statement(by_url)),
        headers=headers,
        auth=hub.creds("apiKey"),
    )
    # Then it is a 400 naming the Content-Type rule
    assert reply.status == 400
    assert "Content-Type must be application/json or multipart/mixed" in reply.text


def test_signed_statement_is_accepted_and_a_forged_one_refused(hub: Hub) -> None:
    # Given a statement signed with RS256, and the same signature attached to another statement
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed = statement()
    del signed["attachments"]
    jws = jwt.encode(signed, key, algorithm="RS256").encode()
    sha2 = hashlib.sha256(jws).hexdigest()
    signature = declared(
        sha2, jws, "application/octet-stream", "http://adlnet.gov/expapi/attachments/signature"
    )
    forged = {**statement(signature), "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}
    # When both are posted
    good = post_multipart(
        hub, {**signed, "attachments": [signature]}, [(sha2, jws, "application/octet-stream")]
    )
    bad = post_multipart(hub, forged, [(sha2, jws, "application/octet-stream")])
    # Then the signed one is stored and the forged one is a 400
    assert good.status == 200, good.text
    assert bad.status == 400
    assert "payload is not the statement" in bad.text
