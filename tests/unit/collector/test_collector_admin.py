"""Admin routes for the collector: tracking codes and JWT settings (which never reveal the secret)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from collector_support import SECRET, Acme, start
from cryptography.hazmat.primitives.asymmetric import rsa
from hubtest.apigw import api_event
from hubtest.functions import Reply, invoke

from trackhub.collector import identity

CODES = "/admin/accounts/{accountId}/tracking-codes"
JWT = "/admin/accounts/{accountId}/jwt-settings"


def admin(function: str, method: str, resource: str, account: str, body: Any = None, **params: str) -> Reply:
    path = resource.replace("{accountId}", account)
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    event = api_event(
        method, path, resource=resource, body=body, path_parameters={"accountId": account, **params}
    )
    return invoke(function, event)


def test_create_list_and_update_tracking_codes(acme: Acme) -> None:
    # When a code is created without an id
    created = admin("admin_create_tracking_code", "POST", CODES, "acme", {"name": "Space game"})
    # Then it gets an unguessable code, open and anonymous by default, and shows in the list
    assert created.status == 201, created.body
    code = created.json["trackingCode"]
    assert len(code) == 24 and created.json["open"] is True and created.json["allowAnonymous"] is True
    listed = admin("admin_list_tracking_codes", "GET", CODES, "acme")
    assert code in {c["trackingCode"] for c in listed.json["trackingCodes"]}
    # When it is closed, starts get 412
    resource = CODES + "/{trackingCode}"
    closed = admin(
        "admin_update_tracking_code", "PATCH", resource, "acme", {"open": False}, trackingCode=code
    )
    assert closed.status == 200 and closed.json["open"] is False
    assert start(code, body={}).status == 412


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "trackingCode": "a b"}, "trackingCode"),
        ({"name": "x", "participants": "alice"}, "participants"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_tracking_code_bodies_are_400_naming_the_field(
    acme: Acme, body: dict[str, Any], field: str
) -> None:
    reply = admin("admin_create_tracking_code", "POST", CODES, "acme", body)
    assert reply.status == 400 and field in reply.json["message"]


def test_code_conflicts_and_other_accounts(acme: Acme) -> None:
    body = {"name": "dup", "trackingCode": acme.open_code}
    assert admin("admin_create_tracking_code", "POST", CODES, "acme", body).status == 409
    assert admin("admin_create_tracking_code", "POST", CODES, "nobody", {"name": "x"}).status == 404
    resource = CODES + "/{trackingCode}"
    # another account cannot touch acme's code; an empty update is 400
    other = admin(
        "admin_update_tracking_code", "PATCH", resource, "other", {"open": False}, trackingCode=acme.open_code
    )
    assert other.status == 404
    empty = admin("admin_update_tracking_code", "PATCH", resource, "acme", {}, trackingCode=acme.open_code)
    assert empty.status == 400


def test_jwt_settings_never_show_the_secret(acme: Acme) -> None:
    got = admin("admin_get_jwt_settings", "GET", JWT, "acme")
    assert got.status == 200
    assert got.json["algorithm"] == "HS256" and got.json["hasSecret"] is True
    assert SECRET not in got.body and "secret" not in got.json
    put = admin("admin_put_jwt_settings", "PUT", JWT, "acme", {"algorithm": "HS256", "secret": "s" * 40})
    assert put.status == 200 and "s" * 40 not in put.body


@pytest.mark.parametrize(
    "body",
    [
        {"algorithm": "HS256"},
        {"algorithm": "HS256", "secret": "too-short"},
        {"algorithm": "RS256"},
        {"algorithm": "RS256", "publicKey": "k", "jwksUrl": "https://id.example.com/jwks"},
        {"algorithm": "RS256", "jwksUrl": "http://plain.example.com/jwks"},
        {"algorithm": "none", "secret": "s" * 40},
    ],
)
def test_inconsistent_jwt_settings_are_400(acme: Acme, body: dict[str, Any]) -> None:
    assert admin("admin_put_jwt_settings", "PUT", JWT, "acme", body).status == 400


def test_no_settings_is_404_and_bearer_starts_are_then_400(acme: Acme) -> None:
    from trackhub.tenancy import service as tenancy

    tenancy.create_account("Bare", "bare")
    assert admin("admin_get_jwt_settings", "GET", JWT, "bare").status == 404


def test_rs256_through_a_jwks_url(acme: Acme, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given RS256 settings naming a JWKS URL, whose client returns the signing key by kid
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    seen: list[str] = []

    class FakeJwks:
        def __init__(self, uri: str, **_: Any) -> None:
            seen.append(uri)

        def get_signing_key_from_jwt(self, token: str) -> Any:
            assert jwt.get_unverified_header(token)["kid"] == "k1"
            return jwt.PyJWK.from_dict(
                {**jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "k1"}
            )

    monkeypatch.setattr(jwt, "PyJWKClient", FakeJwks)
    monkeypatch.setattr(identity, "_jwks_clients", {})
    url = "https://id.example.com/.well-known/jwks.json"
    assert (
        admin("admin_put_jwt_settings", "PUT", JWT, "acme", {"algorithm": "RS256", "jwksUrl": url}).status
        == 200
    )
    token = jwt.encode(
        {"sub": "frank", "exp": int(time.time()) + 60}, private, algorithm="RS256", headers={"kid": "k1"}
    )
    # When frank starts, Then he is identified through the JWKS
    reply = start(acme.open_code, body={}, headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200 and reply.json["playerId"] == "frank" and seen == [url]
