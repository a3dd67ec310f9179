"""POST /api/collector/start/{trackingCode}: bodies, identities, and RAGE's statuses in its precedence."""

from __future__ import annotations

import json
import re
import time

import jwt
import pytest
from collector_support import HOST, START_PATHS, Acme, start, token_for
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from trackhub.collector import admin, service
from trackhub.collector.api_models import CreateTrackingCodeRequest, UpdateTrackingCodeRequest
from trackhub.collector.models import JwtSettings

KEYS = [
    "authToken",
    "actor",
    "playerAnimalName",
    "playerId",
    "objectId",
    "session",
    "firstSessionStarted",
    "currentSessionStarted",
]
BAD_AUTH = {
    "message": "Authorization header found but the expected format is 'Bearer JSON Web Token' "
    "obtained by logging in to A2"
}
ANIMAL = re.compile(r"^[a-z]+-[a-z]+-[a-z]+$")


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (None, None),  # C#/Java: no body, no content type
        ("", "application/x-www-form-urlencoded"),  # Unity's UnityWebRequest.Post(uri, "")
        ("{}", "application/json"),  # the JS tracker
        ('{"anonymous":""}', "application/json"),
        ("anonymous=", "application/x-www-form-urlencoded"),
        ("[]", "application/json"),
    ],
)
@pytest.mark.parametrize("path", START_PATHS)
def test_every_empty_kind_of_body_starts_a_new_anonymous_player(
    acme: Acme, raw: str | None, content_type: str | None, path: str
) -> None:
    # Given a start body that names no previous player
    # When a tracker starts a session
    reply = start(acme.open_code, raw=raw, content_type=content_type, path=path)
    # Then a new anonymous player gets session 1, in RAGE's shape and key order, as compact JSON
    assert reply.status == 200, reply.body
    body = reply.json
    assert list(body) == KEYS
    assert reply.body == json.dumps(body, separators=(",", ":"))
    assert body["session"] == 1 and body["firstSessionStarted"] == body["currentSessionStarted"]
    assert body["actor"] == {
        "account": {"homePage": f"https://{HOST}/", "name": "Anonymous"},
        "name": body["playerAnimalName"],
    }
    assert ANIMAL.match(body["playerAnimalName"])
    assert re.fullmatch(r"[0-9a-f]{32}", body["playerId"])
    assert re.fullmatch(r"[0-9a-f]{64}", body["authToken"])
    assert body["objectId"] == f"https://{HOST}/api/proxy/gleaner/games/acme/{acme.open_code}"
    assert body["firstSessionStarted"].endswith("Z")
    assert '"authToken":"' in reply.body and '"actor":{' in reply.body  # the C#/Java regexes


def test_resuming_with_a_padded_id_continues_the_same_player(acme: Acme) -> None:
    # Given an anonymous player with one session
    first = start(acme.open_code, body={}).json
    # When it resumes twice, once with its id padded with spaces, once through a form body
    second = start(acme.open_code, body={"anonymous": f"  {first['playerId']} "}).json
    third = start(
        acme.open_code, raw=f"anonymous={first['playerId']}", content_type="application/x-www-form-urlencoded"
    ).json
    # Then the sessions count on, the player and its animal name stay, the first start time is kept
    assert [second["session"], third["session"]] == [2, 3]
    assert second["playerId"] == third["playerId"] == first["playerId"]
    assert second["actor"] == first["actor"] and second["playerAnimalName"] == first["playerAnimalName"]
    assert second["firstSessionStarted"] == first["firstSessionStarted"]
    assert second["authToken"] != first["authToken"]


def test_session_counts_are_per_tracking_code(acme: Acme) -> None:
    # Given a player with two sessions on one code and a second open code
    player = start(acme.open_code, body={}).json["playerId"]
    start(acme.open_code, body={"anonymous": player})
    admin.create_code("acme", CreateTrackingCodeRequest(name="other", trackingCode="other-game"))
    # When it starts on the other code
    other = start("other-game", body={"anonymous": player}).json
    # Then that code's count starts at 1
    assert other["session"] == 1


def test_unknown_anonymous_id_is_404_with_the_original_message(acme: Acme) -> None:
    reply = start(acme.open_code, body={"anonymous": "nonExistantPlayerId"})
    assert reply.status == 404
    assert reply.json == {
        "message": "No anonymous player found with id nonExistantPlayerId. "
        "Start a new anonymous session without providing any body in this request."
    }


def test_unknown_code_is_404_tracking_code_not_available(acme: Acme) -> None:
    reply = start("no-such-code", body={})
    assert (reply.status, reply.json) == (404, {"message": "Tracking code not available!"})


def test_closed_code_is_412_even_with_a_bad_authorization(acme: Acme) -> None:
    # 412 comes first in RAGE's order
    for headers in ({}, {"Authorization": "Non JWT Compliant Format"}):
        reply = start(acme.closed_code, body={}, headers=headers)
        assert (reply.status, reply.json) == (412, {"message": "Activity is not started"})


def test_reopening_a_closed_code_lets_players_start(acme: Acme) -> None:
    admin.update_code("acme", acme.closed_code, UpdateTrackingCodeRequest(open=True))
    assert start(acme.closed_code, body={}).status == 200


def test_non_jwt_authorization_is_400_with_the_a2_message(acme: Acme) -> None:
    reply = start(acme.open_code, body={}, headers={"Authorization": "Non JWT Compliant Format"})
    assert (reply.status, reply.json) == (400, BAD_AUTH)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + token_for("dan", ttl=-120),  # expired
        "Bearer " + token_for("dan", secret="another-secret-of-at-least-32-characters"),  # bad signature
        "Bearer " + token_for("dan", iss="https://elsewhere.example.com/"),  # wrong issuer
        "Bearer " + token_for("dan", exp=None),  # no expiry
        "Bearer " + token_for("", ttl=600),  # no username
        "Bearer not.a.jwt",
        "Bearer",
        "Basic ZGFuOnNlY3JldA==",
    ],
)
def test_a_jwt_the_hub_does_not_accept_is_400(acme: Acme, authorization: str) -> None:
    reply = start(acme.open_code, body={}, headers={"Authorization": authorization})
    assert (reply.status, reply.json) == (400, BAD_AUTH)


def test_a_valid_bearer_identifies_the_player_and_wins_over_the_body(acme: Acme) -> None:
    # Given a valid JWT for dan and a body naming an anonymous player
    anonymous = start(acme.open_code, body={}).json["playerId"]
    headers = {"Authorization": "Bearer " + token_for("dan")}
    # When dan starts twice
    first = start(acme.open_code, body={"anonymous": anonymous}, headers=headers).json
    second = start(acme.open_code, body={}, headers=headers).json
    # Then the player is dan (identified), sessions 1 and 2
    assert first["playerId"] == "dan" and first["actor"]["account"]["name"] == first["actor"]["name"] == "dan"
    assert first["playerAnimalName"] != "dan" and ANIMAL.match(first["playerAnimalName"])
    assert [first["session"], second["session"]] == [1, 2]
    assert second["playerAnimalName"] == first["playerAnimalName"]


def test_a_client_sent_x_gleaner_user_is_ignored(acme: Acme) -> None:
    reply = start(acme.open_code, body={}, headers={"X-Gleaner-User": "dan"})
    assert reply.status == 200 and reply.json["actor"]["account"]["name"] == "Anonymous"


def test_a_code_without_anonymous_players_admits_only_its_participants(acme: Acme) -> None:
    # anonymous, a non-participant, and a bad header all get 401 (participation is checked first)
    for headers in ({}, {"Authorization": "Bearer " + token_for("AnyUser")}, {"Authorization": "garbage"}):
        reply = start(acme.members_code, body={}, headers=headers)
        assert (reply.status, reply.json) == (401, {"message": "Not authorized to join this activity"})
    member = start(acme.members_code, body={}, headers={"Authorization": "Bearer " + token_for("alice")})
    assert member.status == 200 and member.json["playerId"] == "alice"


def test_audience_is_checked_when_configured(acme: Acme) -> None:
    admin.put_jwt_settings(
        "acme", JwtSettings(algorithm="HS256", secret=token_secret(), issuer=None, audience="games")
    )
    good = token_for("dan", secret=token_secret(), aud="games")
    bad = token_for("dan", secret=token_secret(), aud="other")
    assert start(acme.open_code, body={}, headers={"Authorization": f"Bearer {good}"}).status == 200
    assert start(acme.open_code, body={}, headers={"Authorization": f"Bearer {bad}"}).status == 400


def token_secret() -> str:
    return "a-second-secret-for-the-audience-test"


def test_rs256_public_key(acme: Acme) -> None:
    # Given RS256 settings with a PEM public key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    admin.put_jwt_settings("acme", JwtSettings(algorithm="RS256", publicKey=pem.decode()))
    token = jwt.encode({"sub": "erin", "exp": int(time.time()) + 60}, private, algorithm="RS256")
    # When a token signed with the private key starts a session, and an HS256 one too
    ok = start(acme.open_code, body={}, headers={"Authorization": f"Bearer {token}"})
    hs = start(acme.open_code, body={}, headers={"Authorization": "Bearer " + token_for("erin")})
    # Then the first identifies erin, the second (algorithm confusion) is refused
    assert ok.status == 200 and ok.json["playerId"] == "erin"
    assert hs.status == 400


def test_a_token_collision_is_403_auth_token_failed_to_create(
    acme: Acme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a generator that repeats itself
    monkeypatch.setattr(service, "new_auth_token", lambda: "f" * 64)
    assert start(acme.open_code, body={}).status == 200
    # When a second start gets the same token
    reply = start(acme.open_code, body={})
    # Then RAGE's 403
    assert (reply.status, reply.json) == (403, {"message": "Auth token failed to create!"})


@pytest.mark.parametrize(
    ("raw", "problem"),
    [('{"anonymous": 42}', "anonymous"), ("{not json", "Malformed JSON"), ('"text"', "Malformed JSON")],
)
def test_malformed_start_bodies_are_400_naming_the_problem(acme: Acme, raw: str, problem: str) -> None:
    reply = start(acme.open_code, raw=raw)
    assert reply.status == 400 and problem in reply.json["message"]


def test_revoked_account_codes_are_not_available(acme: Acme) -> None:
    from trackhub.tenancy import service as tenancy

    tenancy.revoke_account("acme")
    assert start(acme.open_code, body={}).status == 404


def test_preflight_and_cors_headers(acme: Acme) -> None:
    from hubtest.apigw import api_event
    from hubtest.functions import invoke

    # Given a browser's preflight
    event = api_event("OPTIONS", f"/api/proxy/gleaner/collector/start/{acme.open_code}")
    reply = invoke("collector_start", event)
    # Then 200 with A2's headers; errors carry them too
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert {"Authorization", "Content-Type"} <= {
        h.strip() for h in reply.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert start("no-such-code", body={}).headers["Access-Control-Allow-Origin"] == "*"
