"""POST and GET /v1/webtracking/pull: the documented shape, the envelope, credentials and isolation."""

from __future__ import annotations

import hashlib
import json

import pytest
from wt_support import World, pull, push


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_pull_answers_the_documented_shape_in_the_falkor_envelope(world: World, method: str) -> None:
    # Given a fresh launch with nothing pushed yet
    demo = world.demo
    # When the platform pulls with the webToken (JSON body or query string)
    reply = pull(world.platform, demo.web_token, method=method)
    # Then it gets activity, pathway, user and the (empty) state
    assert reply.status == 200, reply.body
    body = reply.json
    assert body["status"] == "success"
    assert body["data"] == {
        "activity": {"name": "Activity course-42", "ID": "course-42"},
        "pathway": {"name": "Onboarding", "ID": demo.pathway_id},
        "user": {
            "userToken": demo.user_token,
            "email": demo.email,
            "firstname": "Test",
            "lastname": "User",
        },
        "progress": 0.0,
        "complete": 0,
        "message": "",
        "data": {},
    }
    assert isinstance(body["data"]["progress"], float)
    # And the envelope's hash is the MD5 of the compact JSON of data, response_time a float
    compact = json.dumps(body["data"], separators=(",", ":"), ensure_ascii=False)
    assert body["hash"] == hashlib.md5(compact.encode(), usedforsecurity=False).hexdigest()
    assert isinstance(body["response_time"], float) and 0 <= body["response_time"] < 5


def test_pull_returns_what_was_pushed_with_data_parsed(world: World) -> None:
    # Given a push of every field
    token = world.demo.web_token
    sent = {"webToken": token, "progress": 42.5, "message": "Halfway", "data": '{"score": 12, "tags": ["a"]}'}
    assert push(world.platform, sent).status == 200
    # When pulled (both forms)
    for method in ("POST", "GET"):
        data = pull(world.platform, token, method=method).json["data"]
        # Then the stored values come back, data as the JSON value it holds
        assert (data["progress"], data["complete"], data["message"]) == (42.5, 0, "Halfway")
        assert data["data"] == {"score": 12, "tags": ["a"]}


def test_unknown_webtoken_is_404_in_the_falkor_error_shape(world: World) -> None:
    for method in ("POST", "GET"):
        reply = pull(world.platform, "not-a-real-token-0123456789abcdef", method=method)
        assert reply.status == 404
        assert reply.json == {"status": "error", "message": "webToken: unknown or expired webToken"}


def test_missing_webtoken_is_400_naming_it(world: World) -> None:
    reply = pull(world.platform, "", method="POST")
    assert reply.status == 400 and reply.json["status"] == "error" and "webToken" in reply.json["message"]
    reply = pull(world.platform, "", method="GET")
    assert reply.status == 400 and "webToken" in reply.json["message"]


def test_expired_webtoken_is_404_even_before_ttl_deletes_it(world: World, advance_clock: object) -> None:
    # Given the demo webToken (7 days by default) and a clock 7 days and a second later
    assert callable(advance_clock)
    advance_clock(7 * 24 * 3600 + 1)
    # When pulled, Then it is expired
    reply = pull(world.platform, world.demo.web_token)
    assert reply.status == 404 and "expired" in reply.json["message"]


def test_credentials_missing_wrong_or_without_the_scope(world: World) -> None:
    token = world.demo.web_token
    missing = pull(None, token)
    assert missing.status == 401 and missing.json["status"] == "error"
    assert missing.headers.get("WWW-Authenticate", "").startswith("Basic")
    wrong = pull("Basic " + "dGtfMDAwMDAwMDAwMDAwMDAwMDpub3BlCg==", token)
    assert wrong.status == 401
    no_scope = pull(world.no_scope, token)
    assert no_scope.status == 403 and "webtracking" in no_scope.json["message"]


def test_another_accounts_key_does_not_find_the_webtoken(world: World) -> None:
    # Given a valid webToken of acme, When another account's platform pulls it, Then it does not exist
    for method in ("POST", "GET"):
        reply = pull(world.outsider, world.demo.web_token, method=method)
        assert reply.status == 404
        assert reply.json == {"status": "error", "message": "webToken: unknown or expired webToken"}
