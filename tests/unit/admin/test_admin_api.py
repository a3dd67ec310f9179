"""Admin API handlers in-process against moto: accounts, keys, programs, subscriptions."""

from __future__ import annotations

from typing import Any

import pytest
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke

pytestmark = pytest.mark.usefixtures("hub_tables")


def admin(function: str, method: str, path: str, resource: str, body: Any = None, **kw: Any) -> Reply:
    return invoke(function, api_event(method, path, resource=resource, body=body, **kw))


def create_account(name: str = "Acme", account_id: str | None = "acme") -> Reply:
    body = {"name": name} | ({"accountId": account_id} if account_id else {})
    return admin("admin_create_account", "POST", "/admin/accounts", "/admin/accounts", body)


def create_key(account: str, scopes: list[str]) -> Reply:
    return admin(
        "admin_create_key",
        "POST",
        f"/admin/accounts/{account}/keys",
        "/admin/accounts/{accountId}/keys",
        {"scopes": scopes},
        path_parameters={"accountId": account},
    )


def create_program(account: str, program_id: str) -> Reply:
    return admin(
        "admin_create_program",
        "POST",
        f"/admin/accounts/{account}/programs",
        "/admin/accounts/{accountId}/programs",
        {"programId": program_id, "name": program_id},
        path_parameters={"accountId": account},
    )


def whoami(user_id: str, api_key: str) -> Reply:
    return invoke(
        "whoami", api_event("GET", "/v1/whoami", headers={"Authorization": basic(user_id, api_key)})
    )


def test_an_account_comes_with_its_two_hub_programs() -> None:
    # When an account is created
    reply = create_account()
    # Then it is active and names its hub programs, which exist as hub-owned programs
    assert reply.status == 201
    assert reply.json["hubPrograms"] == {"webtracking": "acme-webtracking", "collector": "acme-collector"}
    programs = admin(
        "admin_list_programs",
        "GET",
        "/admin/accounts/acme/programs",
        "/admin/accounts/{accountId}/programs",
        path_parameters={"accountId": "acme"},
    ).json["programs"]
    assert {(p["programId"], p["hubOwned"]) for p in programs} == {
        ("acme-webtracking", True),
        ("acme-collector", True),
    }


def test_account_ids_are_generated_when_omitted_and_unique() -> None:
    first = create_account("One", None).json["accountId"]
    second = create_account("Two", None).json["accountId"]
    assert first != second
    listed = admin("admin_list_accounts", "GET", "/admin/accounts", "/admin/accounts").json["accounts"]
    assert {a["accountId"] for a in listed} == {first, second}


def test_a_duplicate_account_is_409_and_nothing_is_overwritten() -> None:
    create_account("Original")
    reply = create_account("Impostor")
    assert reply.status == 409
    listed = admin("admin_list_accounts", "GET", "/admin/accounts", "/admin/accounts").json["accounts"]
    assert [a["name"] for a in listed] == ["Original"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "A", "accountId": "UPPER"}, "accountId"),
        ({"name": "A", "accountId": "a"}, "accountId"),
        ({"name": "A", "surprise": 1}, "surprise"),
    ],
)
def test_bad_account_bodies_are_400_naming_the_field(body: dict[str, Any], field: str) -> None:
    reply = admin("admin_create_account", "POST", "/admin/accounts", "/admin/accounts", body)
    assert reply.status == 400
    assert field in reply.json["message"]
    assert admin("admin_list_accounts", "GET", "/admin/accounts", "/admin/accounts").json["accounts"] == []


def test_malformed_json_and_oversize_bodies() -> None:
    bad = invoke("admin_create_account", api_event("POST", "/admin/accounts", raw_body='{"name": '))
    assert bad.status == 400 and "Malformed JSON" in bad.json["message"]
    huge = invoke(
        "admin_create_account", api_event("POST", "/admin/accounts", body={"name": "x" * 1_100_000})
    )
    assert huge.status == 413 and huge.json["code"] == "payload_too_large"


def test_a_key_secret_is_shown_once_stored_hashed_and_works() -> None:
    # Given an account and a key
    create_account()
    created = create_key("acme", ["webtracking", "events:read:*"])
    assert created.status == 201 and created.headers.get("Cache-Control") == "no-store"
    user_id, secret = created.json["userId"], created.json["apiKey"]
    # Then listing never shows the secret, and the stored item holds only a hash
    listed = admin(
        "admin_list_keys",
        "GET",
        "/admin/accounts/acme/keys",
        "/admin/accounts/{accountId}/keys",
        path_parameters={"accountId": "acme"},
    )
    assert secret not in listed.body and listed.json["keys"][0]["userId"] == user_id
    # And the key authenticates
    me = whoami(user_id, secret)
    assert me.status == 200
    assert me.json == {"userId": user_id, "accountId": "acme", "scopes": ["events:read:*", "webtracking"]}


def test_revoked_keys_and_keys_of_revoked_accounts_get_401() -> None:
    create_account()
    one = create_key("acme", ["webtracking"]).json
    two = create_key("acme", ["collector"]).json
    # When one key is revoked
    revoked = admin(
        "admin_revoke_key",
        "DELETE",
        f"/admin/accounts/acme/keys/{one['userId']}",
        "/admin/accounts/{accountId}/keys/{userId}",
        path_parameters={"accountId": "acme", "userId": one["userId"]},
    )
    assert revoked.status == 200 and revoked.json["status"] == "revoked"
    assert whoami(one["userId"], one["apiKey"]).status == 401
    assert whoami(two["userId"], two["apiKey"]).status == 200
    # When the account is revoked, every key goes with it and no new key can be made
    gone = admin(
        "admin_revoke_account",
        "DELETE",
        "/admin/accounts/acme",
        "/admin/accounts/{accountId}",
        path_parameters={"accountId": "acme"},
    )
    assert gone.status == 200 and gone.json["status"] == "revoked"
    assert whoami(two["userId"], two["apiKey"]).status == 401
    assert create_key("acme", ["webtracking"]).status == 409


def test_keys_scope_only_programs_of_their_own_account() -> None:
    create_account()
    create_account("Other", "other")
    create_program("other", "OTHER-P")
    assert create_key("acme", ["events:read:OTHER-P"]).status == 400
    assert create_key("acme", ["events:read:NOPE"]).status == 404
    assert create_key("acme", ["admin:everything"]).status == 400
    assert create_key("acme", []).status == 400
    assert create_key("nobody", ["webtracking"]).status == 404


@pytest.mark.parametrize(
    "header",
    [None, "Basic", "Bearer x", basic("tk_0123456789abcdef", "wrong"), basic("nobody", "x"), "Basic ***"],
)
def test_whoami_401_carries_www_authenticate(header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    reply = invoke("whoami", api_event("GET", "/v1/whoami", headers=headers))
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert reply.json["code"] == "unauthenticated"


def test_wrong_secret_of_a_real_key_is_401() -> None:
    create_account()
    key = create_key("acme", ["webtracking"]).json
    secret = key["apiKey"]
    wrong = secret[:-1] + ("B" if secret.endswith("A") else "A")
    assert whoami(key["userId"], wrong).status == 401


def test_subscriptions_link_programs_and_go_when_a_program_is_revoked() -> None:
    create_account()
    create_program("acme", "PUB")
    create_program("acme", "SUB")
    sub = admin(
        "admin_create_subscription",
        "POST",
        "/admin/subscriptions",
        "/admin/subscriptions",
        {"programId": "SUB", "publisherProgramId": "PUB"},
    )
    assert sub.status == 201 and sub.json["subscriberAccountId"] == "acme"
    again = admin(
        "admin_create_subscription",
        "POST",
        "/admin/subscriptions",
        "/admin/subscriptions",
        {"programId": "SUB", "publisherProgramId": "PUB"},
    )
    assert again.status == 409

    def listed() -> list[str]:
        reply = admin(
            "admin_list_subscriptions",
            "GET",
            "/admin/subscriptions",
            "/admin/subscriptions",
            query={"programId": "SUB"},
        )
        return [s["publisherProgramId"] for s in reply.json["subscriptions"]]

    assert listed() == ["PUB"]
    revoked = admin(
        "admin_revoke_program",
        "DELETE",
        "/admin/accounts/acme/programs/PUB",
        "/admin/accounts/{accountId}/programs/{programId}",
        path_parameters={"accountId": "acme", "programId": "PUB"},
    )
    assert revoked.status == 200 and revoked.json["status"] == "revoked"
    assert listed() == []


def test_subscription_errors() -> None:
    create_account()
    create_program("acme", "PUB")
    post = {"method": "POST", "path": "/admin/subscriptions", "resource": "/admin/subscriptions"}
    assert (
        admin(
            "admin_create_subscription", **post, body={"programId": "PUB", "publisherProgramId": "PUB"}
        ).status
        == 400
    )
    assert (
        admin(
            "admin_create_subscription", **post, body={"programId": "NOPE", "publisherProgramId": "PUB"}
        ).status
        == 404
    )
    assert admin("admin_create_subscription", **post, body={"programId": "PUB"}).status == 400
    delete = admin(
        "admin_revoke_subscription",
        "DELETE",
        "/admin/subscriptions/PUB/OTHER",
        "/admin/subscriptions/{programId}/{publisherProgramId}",
        path_parameters={"programId": "PUB", "publisherProgramId": "OTHER"},
    )
    assert delete.status == 404
    listing = admin("admin_list_subscriptions", "GET", "/admin/subscriptions", "/admin/subscriptions")
    assert listing.status == 400 and "programId" in listing.json["message"]


def test_revoking_unknown_things_is_404() -> None:
    create_account()
    assert (
        admin(
            "admin_revoke_account",
            "DELETE",
            "/admin/accounts/ghost",
            "/admin/accounts/{accountId}",
            path_parameters={"accountId": "ghost"},
        ).status
        == 404
    )
    assert (
        admin(
            "admin_revoke_key",
            "DELETE",
            "/admin/accounts/acme/keys/tk_0000000000000000",
            "/admin/accounts/{accountId}/keys/{userId}",
            path_parameters={"accountId": "acme", "userId": "tk_0000000000000000"},
        ).status
        == 404
    )
    assert (
        admin(
            "admin_list_keys",
            "GET",
            "/admin/accounts/ghost/keys",
            "/admin/accounts/{accountId}/keys",
            path_parameters={"accountId": "ghost"},
        ).status
        == 404
    )
