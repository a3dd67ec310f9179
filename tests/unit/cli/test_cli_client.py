"""AdminClient against a real HTTP server on 127.0.0.1: URLs, bodies, errors, timeouts and SigV4."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from cli_fakes import FakeServer, Recorded

from trackhub_cli.client import (
    AdminApiError,
    AdminClient,
    AdminError,
    basic_auth_header,
    normalize_base_url,
    whoami,
)

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z-]+)"
    r"/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
SCOPES = ["events:read:SUB", "webtracking"]


# ------------------------------------------------------------------ one method, one request
CASES: list[tuple[str, Callable[[AdminClient], Any], str, str, Any]] = [
    ("create_account", lambda c: c.create_account("Acme"), "POST", "/admin/accounts", {"name": "Acme"}),
    (
        "create_account_with_id",
        lambda c: c.create_account("Acme", account_id="acme"),
        "POST",
        "/admin/accounts",
        {"name": "Acme", "accountId": "acme"},
    ),
    ("list_accounts", lambda c: c.list_accounts(), "GET", "/admin/accounts", None),
    ("revoke_account", lambda c: c.revoke_account("acme"), "DELETE", "/admin/accounts/acme", None),
    (
        "create_key",
        lambda c: c.create_key("acme", SCOPES, "ci"),
        "POST",
        "/admin/accounts/acme/keys",
        {"scopes": SCOPES, "description": "ci"},
    ),
    (
        "create_key_default_description",
        lambda c: c.create_key("acme", ("collector",)),
        "POST",
        "/admin/accounts/acme/keys",
        {"scopes": ["collector"], "description": ""},
    ),
    ("list_keys", lambda c: c.list_keys("acme"), "GET", "/admin/accounts/acme/keys", None),
    (
        "revoke_key",
        lambda c: c.revoke_key("acme", "tk_0123456789abcdef"),
        "DELETE",
        "/admin/accounts/acme/keys/tk_0123456789abcdef",
        None,
    ),
    (
        "create_program",
        lambda c: c.create_program("acme", "PUB", "Publisher"),
        "POST",
        "/admin/accounts/acme/programs",
        {"programId": "PUB", "name": "Publisher"},
    ),
    ("list_programs", lambda c: c.list_programs("acme"), "GET", "/admin/accounts/acme/programs", None),
    (
        "revoke_program",
        lambda c: c.revoke_program("acme", "PUB"),
        "DELETE",
        "/admin/accounts/acme/programs/PUB",
        None,
    ),
    (
        "create_subscription",
        lambda c: c.create_subscription("SUB", "PUB"),
        "POST",
        "/admin/subscriptions",
        {"programId": "SUB", "publisherProgramId": "PUB"},
    ),
    (
        "list_subscriptions",
        lambda c: c.list_subscriptions("SUB"),
        "GET",
        "/admin/subscriptions?programId=SUB",
        None,
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_method_sends_its_request_and_returns_the_json(
    server: FakeServer, call: Callable[[AdminClient], Any], method: str, path: str, body: Any
) -> None:
    # Given a server that answers with a JSON object
    server.respond(200, {"answer": 42})
    # When the method is called on the stage URL (with a stage path)
    result = call(AdminClient(server.url + "/v1"))
    # Then exactly one request went out with the method, path and JSON body, and the answer came back
    assert len(server.requests) == 1
    sent = server.last
    assert (sent.method, sent.path, sent.json) == (method, "/v1" + path, body)
    assert result == {"answer": 42}
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["host"] == f"127.0.0.1:{server.port}"
    if body is not None:
        assert sent.headers["content-type"] == "application/json"


def test_revoke_subscription_sends_delete_and_returns_none_on_204(server: FakeServer) -> None:
    server.respond(204)
    assert AdminClient(server.url).revoke_subscription("SUB", "PUB") is None
    assert (server.last.method, server.last.path, server.last.body) == (
        "DELETE",
        "/admin/subscriptions/SUB/PUB",
        b"",
    )


def test_path_segments_are_percent_encoded_and_never_empty(server: FakeServer) -> None:
    client = AdminClient(server.url)
    client.revoke_program("acme", "a/b?c")
    assert server.last.path == "/admin/accounts/acme/programs/a%2Fb%3Fc"
    with pytest.raises(ValueError, match="empty path segment"):
        client.list_keys("")
    assert len(server.requests) == 1


def test_query_values_are_percent_encoded(server: FakeServer) -> None:
    AdminClient(server.url).request("GET", "/admin/subscriptions", query={"programId": "a b&c"})
    assert server.last.path == "/admin/subscriptions?programId=a%20b%26c"
    assert server.last.query == {"programId": ["a b&c"]}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "https://abc.execute-api.eu-west-1.amazonaws.com/v1",
            "https://abc.execute-api.eu-west-1.amazonaws.com/v1",
        ),
        (
            "https://abc.execute-api.eu-west-1.amazonaws.com/v1/",
            "https://abc.execute-api.eu-west-1.amazonaws.com/v1",
        ),
        # the AdminApiUrl stack output ends in /admin: the client's paths already start with it
        (
            "https://abc.execute-api.eu-west-1.amazonaws.com/v1/admin",
            "https://abc.execute-api.eu-west-1.amazonaws.com/v1",
        ),
        (" http://127.0.0.1:3000/ ", "http://127.0.0.1:3000"),
    ],
)
def test_base_url_is_the_stage_url(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize(
    "bad",
    ["file:///etc/passwd", "ftp://host/x", "127.0.0.1:3000", "http://", "http://h/?q=1", "https://u:p@h/v1"],
)
def test_base_url_must_be_plain_http_or_https(bad: str) -> None:
    with pytest.raises(ValueError, match="endpoint"):
        AdminClient(bad)


def test_admin_api_url_output_works_as_base_url(server: FakeServer) -> None:
    AdminClient(server.url + "/v1/admin/").list_accounts()
    assert server.last.path == "/v1/admin/accounts"


# ------------------------------------------------------------------ errors
def test_non_2xx_raises_admin_api_error_with_the_servers_message(server: FakeServer) -> None:
    body = {"message": "account 'acme' already exists", "code": "conflict"}
    server.respond(409, body)
    with pytest.raises(AdminApiError) as caught:
        AdminClient(server.url).create_account("Acme", account_id="acme")
    error = caught.value
    assert (error.status, error.message, error.body) == (409, "account 'acme' already exists", body)
    assert str(error) == "HTTP 409: account 'acme' already exists"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        # API Gateway's own IAM denial capitalises the key
        (
            403,
            {"Message": "User: arn:aws:iam::1:user/x is not authorized"},
            "User: arn:aws:iam::1:user/x is not authorized",
        ),
        (502, b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (500, None, "Internal Server Error"),
        (400, {"unexpected": True}, "Bad Request"),
    ],
)
def test_error_message_falls_back_sensibly(server: FakeServer, status: int, body: Any, message: str) -> None:
    server.respond(status, body if body is not None else b"")
    with pytest.raises(AdminApiError) as caught:
        AdminClient(server.url).list_accounts()
    assert (caught.value.status, caught.value.message) == (status, message)


def test_a_2xx_answer_that_is_not_an_object_is_an_error(server: FakeServer) -> None:
    server.respond(200, ["not", "an", "object"])
    with pytest.raises(AdminError, match="expected a JSON object") as caught:
        AdminClient(server.url).list_accounts()
    assert not isinstance(caught.value, AdminApiError)


def test_redirects_are_reported_not_followed(server: FakeServer) -> None:
    # A redirect would replay the Authorization header to wherever it points.
    server.respond(302, {"message": "moved"}, headers={"Location": "http://127.0.0.1:1/elsewhere"})
    with pytest.raises(AdminApiError) as caught:
        AdminClient(server.url).list_accounts()
    assert caught.value.status == 302
    assert len(server.requests) == 1


def test_unreachable_endpoint_is_an_admin_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AdminError, match="cannot reach the API") as caught:
        AdminClient(f"http://127.0.0.1:{port}").list_accounts()
    assert not isinstance(caught.value, AdminApiError)


def test_timeout_bounds_the_whole_call_not_each_read(server: FakeServer) -> None:
    # Given a server that trickles its answer: every read is quick, the whole answer takes ~1.5s
    server.respond(200, {"padding": "x" * 20}, seconds_per_byte=0.05)
    started = time.monotonic()
    # Then a 0.3s call gives up after about 0.3s
    with pytest.raises(AdminError, match="timed out"):
        AdminClient(server.url, timeout=0.3).list_accounts()
    assert time.monotonic() - started < 1.0


# ------------------------------------------------------------------ signing
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000",
        "http://127.9.9.9",
        "http://localhost:3000/v1",
        "http://LOCALHOST",
        "http://[::1]:3000",
    ],
)
def test_loopback_endpoints_are_not_signed_by_default(url: str) -> None:
    client = AdminClient(url)
    assert client.signs is False
    assert client.region is None  # nothing resolved: no AWS configuration needed locally


def test_unsigned_calls_send_no_authorization(server: FakeServer, aws_credentials: None) -> None:
    AdminClient(server.url).list_accounts()
    assert "authorization" not in server.last.headers
    assert "x-amz-date" not in server.last.headers


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://abc123.execute-api.eu-west-1.amazonaws.com/v1", "eu-west-1"),
        ("https://abc123-vpce-0123.execute-api.us-east-2.vpce.amazonaws.com/v1", "us-east-2"),
        ("https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1", "cn-north-1"),
    ],
)
def test_cloud_endpoints_are_signed_for_the_region_in_their_hostname(url: str, region: str) -> None:
    client = AdminClient(url)
    assert (client.signs, client.region) == (True, region)


def test_region_resolution_order(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    api = "https://abc.execute-api.eu-west-1.amazonaws.com/v1"
    custom = "https://admin.example.com/v1"  # a custom domain says nothing about the region
    (isolated_env / "no-aws-config").write_text("[default]\nregion = ap-south-1\n")
    assert AdminClient(api, region="us-west-2").region == "us-west-2"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert AdminClient(api).region == "eu-west-1"
    assert AdminClient(custom).region == "eu-central-1"
    monkeypatch.delenv("AWS_REGION")
    assert AdminClient(custom).region == "eu-north-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert AdminClient(custom).region == "ap-south-1"


def test_signing_without_any_region_is_an_error_naming_the_fix() -> None:
    with pytest.raises(AdminError, match="--region"):
        AdminClient("https://admin.example.com/v1")


def _verify_sigv4(
    sent: Recorded,
    url: str,
    region: str,
    key: str = "testing",
    secret: str = "testing",  # noqa: S107
) -> set[str]:
    """Recompute the signature of the request as received with botocore; return the signed headers."""
    match = AUTH_RE.match(sent.headers["authorization"])
    assert match, sent.headers["authorization"]
    amz_date = sent.headers["x-amz-date"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", amz_date)
    assert match["key"] == key and match["date"] == amz_date[:8]
    assert (match["region"], match["service"]) == (region, "execute-api")
    signed = match["signed"].split(";")
    assert {"host", "x-amz-date"} <= set(signed)
    request = AWSRequest(
        method=sent.method, url=url + sent.path, headers={h: sent.headers[h] for h in signed}, data=sent.body
    )
    request.context["timestamp"] = amz_date
    token = sent.headers.get("x-amz-security-token")
    signer = SigV4Auth(ReadOnlyCredentials(key, secret, token), "execute-api", region)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    assert signer.signature(string_to_sign, request) == match["signature"]
    return set(signed)


def test_forced_signing_sends_a_valid_sigv4_signature(server: FakeServer, aws_credentials: None) -> None:
    # Given a signing client (forced: the fake server is on 127.0.0.1) and fake credentials
    client = AdminClient(server.url + "/v1", sign=True, region="eu-west-1")
    # When it sends a JSON body and a query string
    client.create_key("acme", SCOPES, "ci")
    body_signed = _verify_sigv4(server.last, server.url, "eu-west-1")
    client.list_subscriptions("SUB")
    _verify_sigv4(server.last, server.url, "eu-west-1")
    # Then both signatures are the ones botocore computes for the requests as received
    assert "content-type" in body_signed
    assert "x-amz-security-token" not in server.last.headers
    # And the check is not vacuous: a tampered body no longer matches
    tampered = dataclasses.replace(server.requests[0], body=b'{"scopes":["events:read:*"],"description":""}')
    with pytest.raises(AssertionError):
        _verify_sigv4(tampered, server.url, "eu-west-1")


def test_signature_uses_botocores_clock(
    server: FakeServer, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed = datetime.datetime(2024, 1, 2, 3, 4, 5)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: fixed)
    AdminClient(server.url, sign=True, region="eu-west-1").list_accounts()
    assert server.last.headers["x-amz-date"] == "20240102T030405Z"
    assert server.last.headers["authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=testing/20240102/eu-west-1/execute-api/aws4_request, SignedHeaders="
    )


def test_session_credentials_are_sent_as_a_signed_security_token(
    server: FakeServer, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    AdminClient(server.url, sign=True, region="us-east-1").list_accounts()
    assert server.last.headers["x-amz-security-token"] == "session-token"
    assert "x-amz-security-token" in _verify_sigv4(server.last, server.url, "us-east-1")


def test_a_given_botocore_session_supplies_credentials_and_region(server: FakeServer) -> None:
    session = botocore.session.Session()
    session.set_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI")
    session.set_config_variable("region", "sa-east-1")
    AdminClient(server.url, sign=True, session=session).list_accounts()
    _verify_sigv4(server.last, server.url, "sa-east-1", key="AKIDEXAMPLE", secret="wJalrXUtnFEMI")


def test_signing_without_credentials_is_an_error_and_sends_nothing(server: FakeServer) -> None:
    client = AdminClient(server.url, sign=True, region="eu-west-1")
    with pytest.raises(AdminError, match="no AWS credentials"):
        client.list_accounts()
    assert server.requests == []


def test_no_sign_overrides_a_cloud_hostname() -> None:
    client = AdminClient("https://abc.execute-api.eu-west-1.amazonaws.com/v1", sign=False)
    assert client.signs is False


# ------------------------------------------------------------------ API keys
def test_basic_auth_header_encodes_user_and_key() -> None:
    header = basic_auth_header("tk_0123456789abcdef", "se:cret")
    scheme, token = header.split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "tk_0123456789abcdef:se:cret"


def test_whoami_calls_v1_whoami_with_basic_auth_and_never_signs(
    server: FakeServer, aws_credentials: None
) -> None:
    server.respond(200, {"userId": "tk_1", "accountId": "demo", "scopes": ["webtracking"]})
    answer = whoami(server.url + "/v1/admin", "tk_1", "secret")
    assert answer == {"userId": "tk_1", "accountId": "demo", "scopes": ["webtracking"]}
    assert (server.last.method, server.last.path) == ("GET", "/v1/v1/whoami")
    assert server.last.headers["authorization"] == basic_auth_header("tk_1", "secret")


def test_whoami_with_a_wrong_key_raises_the_401(server: FakeServer) -> None:
    server.respond(401, {"message": "Invalid credentials", "code": "unauthenticated"})
    with pytest.raises(AdminApiError, match="HTTP 401: Invalid credentials"):
        whoami(server.url, "tk_1", "wrong")
