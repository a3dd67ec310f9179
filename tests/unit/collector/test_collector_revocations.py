"""The last rows of RAGE's status table: a revoked JWT on start (A2's 401), a deleted player's track
(200 `false`), and a failing store behind track (RAGE's "consumer failure": its status, `{message}`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from collector_support import Acme, start, statement, token_for, track
from hubtest.apigw import api_event
from hubtest.functions import Reply, invoke

from trackhub.collector import service
from trackhub.storage import clients
from trackhub.xapi import repository as statements
from trackhub.xapi.records import StatementQuery

REVOKE = "/admin/accounts/{accountId}/jwt-revocations"
PLAYER = "/admin/accounts/{accountId}/players/{playerType}/{playerId}"
A2_REVOKED = {
    "message": service.SESSION_REVOKED,
    "status": 401,
    **service.SESSION_REVOKED_FIELDS,
}


def revoke(body: Any, account: str = "acme") -> Reply:
    event = api_event(
        "POST",
        REVOKE.replace("{accountId}", account),
        resource=REVOKE,
        body=body,
        path_parameters={"accountId": account},
    )
    return invoke("admin_revoke_jwt", event)


def delete_player(player_type: str, player_id: str, account: str = "acme") -> Reply:
    params = {"accountId": account, "playerType": player_type, "playerId": player_id}
    path = PLAYER
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return invoke("admin_delete_player", api_event("DELETE", path, resource=PLAYER, path_parameters=params))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _stored(acme: Acme) -> tuple[dict[str, Any], ...]:
    return statements.query(StatementQuery(account_id=acme.account_id, limit=100)).statements


# ------------------------------------------------------------------ start via A2: revoked JWT → 401
def test_a_revoked_jti_gets_a2s_401_json_and_other_tokens_of_the_user_still_start(acme: Acme) -> None:
    # Given two valid tokens of alice, one of them revoked by its jti
    revoked, other = token_for("alice", jti="login-1"), token_for("alice", jti="login-2")
    answer = revoke({"jti": "login-1"})
    assert answer.status == 201, answer.body
    assert answer.json["jti"] == "login-1" and answer.json["accountId"] == "acme"
    # When each starts a session
    refused = start(acme.open_code, headers=bearer(revoked))
    accepted = start(acme.open_code, headers=bearer(other))
    # Then the revoked one gets A2's error JSON with 401, the other its session
    assert refused.status == 401 and refused.json == A2_REVOKED
    assert accepted.status == 200 and accepted.json["playerId"] == "alice"


def test_revoking_a_user_refuses_tokens_issued_before_not_after_a_new_login(acme: Acme) -> None:
    # Given a token of bob issued a minute ago, and one without `iat`
    now = int(time.time())
    old = token_for("bob", iat=now - 60)
    no_iat = token_for("bob", iat=None)
    # When bob is logged out everywhere (issuedBefore defaults to now)
    assert revoke({"username": "bob"}).status == 201
    # Then both are refused, and a token from a later login starts
    assert start(acme.open_code, headers=bearer(old)).json == A2_REVOKED
    assert start(acme.open_code, headers=bearer(no_iat)).status == 401
    fresh = token_for("bob", iat=now + 5)
    assert start(acme.open_code, headers=bearer(fresh)).status == 200
    # and other users are not affected
    assert start(acme.open_code, headers=bearer(token_for("carol"))).status == 200


def test_a_revoked_token_is_refused_before_the_activity_checks_as_in_a2(acme: Acme) -> None:
    # Given a revoked token of alice (a participant of members-game)
    token = token_for("alice", jti="gone")
    assert revoke({"jti": "gone"}).status == 201
    # When it starts a closed code: A2 refused it before RAGE looked at the activity
    assert start(acme.closed_code, headers=bearer(token)).json == A2_REVOKED
    # Then an unknown code is still 404: the hub needs the code to know whose JWT settings apply
    assert start("no-such-code", headers=bearer(token)).status == 404


def test_an_anonymous_start_reads_no_revocations(acme: Acme, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a revocation list that would fail if read
    def unreadable(*_: Any, **__: Any) -> bool:
        raise AssertionError("revocations read for an anonymous start")

    monkeypatch.setattr(service.revocations, "keys", unreadable)
    monkeypatch.setattr(service.revocations, "revoked_by", unreadable)
    # Then an anonymous start succeeds without reading it
    assert start(acme.open_code, body={}).status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "jti or username"),
        ({"jti": "a", "username": "b"}, "jti or username"),
        ({"jti": "a", "issuedBefore": "2026-01-01T00:00:00Z"}, "issuedBefore"),
        ({"username": "b", "issuedBefore": "2026-01-01T00:00:00"}, "time zone"),
        ({"jti": ""}, "jti"),
        ({"jti": "a", "reason": "x"}, "reason"),
    ],
)
def test_bad_revocations_are_400_naming_the_problem(acme: Acme, body: dict[str, Any], field: str) -> None:
    reply = revoke(body)
    assert reply.status == 400 and field in reply.body


def test_revoking_in_an_unknown_account_is_404(acme: Acme) -> None:
    assert revoke({"jti": "x"}, account="nobody").status == 404


# ------------------------------------------------------------------ track: player deleted → 200 false
def test_a_deleted_players_track_answers_false_and_stores_nothing(acme: Acme) -> None:
    # Given an anonymous session
    session = start(acme.open_code, body={}).json
    player_id = session["playerId"]
    # When the player is deleted
    deleted = delete_player("anonymous", player_id)
    assert (deleted.status, deleted.body) == (204, "")
    # Then its live token tracks nothing: 200 `false`, as RAGE answered
    reply = track(session["authToken"], [statement()])
    assert (reply.status, reply.body) == (200, "false")
    # (whatever the batch: the player is looked up while it is validated, and answers first)
    invalid = track(session["authToken"], [{"verb": {"id": "http://x/v"}}])
    assert (invalid.status, invalid.body) == (200, "false")
    assert _stored(acme) == ()
    # and the player cannot be resumed any more
    resumed = start(acme.open_code, body={"anonymous": player_id})
    assert resumed.status == 404 and player_id in resumed.json["message"]


def test_a_deleted_identified_player_starts_afresh_at_session_one(acme: Acme) -> None:
    token = token_for("dora")
    assert start(acme.open_code, headers=bearer(token)).json["session"] == 1
    assert start(acme.open_code, headers=bearer(token)).json["session"] == 2
    assert delete_player("identified", "dora").status == 204
    again = start(acme.open_code, headers=bearer(token)).json
    assert again["session"] == 1 and again["firstSessionStarted"] == again["currentSessionStarted"]


def test_deleting_an_unknown_player_is_404_and_a_bad_type_400(acme: Acme) -> None:
    assert delete_player("anonymous", "0" * 32).status == 404
    bad = delete_player("robot", "x")
    assert bad.status == 400 and "playerType" in bad.body


# ------------------------------------------------------------------ track: the store fails
@pytest.fixture
def started(acme: Acme) -> dict[str, Any]:
    """A session, started before the store fails (a start commits in a TransactWriteItems too)."""
    reply = start(acme.open_code, body={})
    assert reply.status == 200, reply.body
    return dict(reply.json)


@pytest.fixture
def throttled(started: dict[str, Any]) -> Iterator[list[str]]:
    """Every DynamoDB write the statement store makes is throttled (a botocore before-call hook answers
    in DynamoDB's place, after botocore's own retries would have run out)."""
    seen: list[str] = []

    def throttle(model: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
        seen.append(model.name)
        error = {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}
        return _Http(400), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}

    events = clients.dynamodb_client().meta.events
    for operation in ("BatchWriteItem", "TransactWriteItems"):
        events.register(f"before-call.dynamodb.{operation}", throttle, unique_id=f"throttle-{operation}")
    yield seen
    for operation in ("BatchWriteItem", "TransactWriteItems"):
        events.unregister(f"before-call.dynamodb.{operation}", unique_id=f"throttle-{operation}")


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}


@pytest.mark.parametrize("verb", ["initialized", "completed"])
def test_a_failing_store_answers_503_in_rages_shape_and_nothing_is_stored(
    acme: Acme, started: dict[str, Any], throttled: list[str], verb: str
) -> None:
    # Given a session, and a statement store that refuses every write
    session = started
    # When statements are tracked
    reply = track(session["authToken"], [statement(verb), statement()])
    # Then the answer is the store's status with {"message"} (RAGE: the failing consumer's status),
    # a hint to retry, and nothing was half-written
    assert reply.status == 503 and set(reply.json) == {"message"}
    assert reply.headers.get("Retry-After") == "1"
    assert throttled and _stored(acme) == ()
