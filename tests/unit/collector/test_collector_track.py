"""POST /api/collector/track and /end: tokens, RAGE's validation messages, storage, events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from collector_support import TRACK_PATHS, Acme, end, start, statement, token_for, track

from trackhub.collector import admin, repository, service
from trackhub.collector.api_models import UpdateTrackingCodeRequest
from trackhub.collector.models import PlayerType, event_participant
from trackhub.events import repository as events_repository
from trackhub.storage import clients
from trackhub.xapi import repository as statements

SUCCESS = '{"message":"Success."}'
INVALID = "Statement [object Object] doesn't have a valid format. Error: {} for statement, [object Object]"


def _session(acme: Acme, code: str | None = None, **kwargs: Any) -> dict[str, Any]:
    reply = start(code or acme.open_code, body={}, **kwargs)
    assert reply.status == 200, reply.body
    return dict(reply.json)


def _stored(acme: Acme, limit: int = 500) -> list[dict[str, Any]]:
    from trackhub.xapi.records import StatementQuery

    return list(
        statements.query(StatementQuery(account_id=acme.account_id, limit=limit, ascending=True)).statements
    )


def _item(acme: Acme, statement_id: str) -> dict[str, Any]:
    key = statements.statement_key(acme.account_id, statement_id)
    item: dict[str, Any] = clients.table(statements.table_name()).get_item(Key=key)["Item"]
    return item


@pytest.mark.parametrize("path", TRACK_PATHS)
def test_track_stores_each_statement_with_hub_fields_and_its_session_beside_it(acme: Acme, path: str) -> None:
    # Given a session
    session = _session(acme)
    client_id = "1F2E3D4C-5B6A-4978-8695-A4B3C2D1E0F9"
    batch = [statement(), statement("progressed", id=client_id, result={"extensions": {"extension1": 1}})]
    # When the tracker sends two statements, raw token in Authorization
    reply = track(session["authToken"], batch, path=path)
    # Then 200 Success. and both are stored, untouched but for id/stored/authority/version
    assert (reply.status, reply.body) == (200, SUCCESS)
    stored = _stored(acme)
    assert len(stored) == 2
    ids = {s["id"] for s in stored}
    assert client_id.lower() in ids
    for s in stored:
        assert s["stored"].endswith("Z") and s["authority"]["account"]["name"] == "acme-collector"
        assert s["version"] == "1.0.0"
        assert "gameplayId" not in json.dumps(s["object"])  # no bare keys inside the statement
        item = _item(acme, s["id"])
        assert item["context"]["playerId"] == session["playerId"]
        assert item["context"]["session"] == 1 and item["context"]["trackingCode"] == acme.open_code
        assert item["context"]["firstSessionStarted"] == session["firstSessionStarted"]


def test_bearer_authtoken_is_accepted_too(acme: Acme) -> None:
    session = _session(acme)
    assert track(f"Bearer {session['authToken']}", [statement()]).status == 200


@pytest.mark.parametrize("token", [None, "", "unknown-token", "Bearer ", "x" * 600])
def test_unknown_or_missing_token_is_401_json(acme: Acme, token: str | None) -> None:
    reply = track(token, [statement()])
    assert reply.status == 401
    assert "authToken" in reply.json["message"]
    assert _stored(acme) == []


@pytest.mark.parametrize("raw", [None, "", "{}", "null", "[]", '"a string"', "42"])
def test_a_body_that_is_not_a_non_empty_array_is_400(acme: Acme, raw: str | None) -> None:
    session = _session(acme)
    reply = track(session["authToken"], raw=raw)
    assert (reply.status, reply.json) == (400, {"message": "Statements must be an array!"})


def _without(path: str, value: Any = None) -> dict[str, Any]:
    s = statement()
    *parents, last = path.split(".")
    node = s
    for p in parents:
        node = node[p]
    if value is None:
        node.pop(last)
    else:
        node[last] = value
    return s


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({}, "Actor is missing"),
        (_without("actor"), "Actor is missing"),
        (_without("actor.name"), "Actor name is missing"),
        (_without("actor.name", ""), "Actor name is missing"),
        (_without("timestamp"), "Timestamp is missing"),
        (_without("verb"), "Verb is missing"),
        (_without("verb.id"), "Verb Id is missing"),
        (_without("verb.id", "http://adlnet.gov/expapi/verbs/"), "Verb Id cannot end with /"),
        (_without("object"), "Object Id is missing"),
        (_without("object.id"), "Object Id is missing"),
        (_without("object.id", "http://example.com/games/"), "Object Id cannot end with /"),
        (_without("object.definition"), "Object definition type is missing"),
        (_without("object.definition.type"), "Object definition type is missing"),
        (
            _without("object.definition.type", "http://example.com/types/"),
            "Object definition type cannot end with /",
        ),
        (statement(result={"score": {"min": 0}}), "Result.score.raw should not be undefined or null"),
        (statement(result={"score": {}}), "Result.score.raw should not be undefined or null"),
        (_without("verb.id", 12), "Verb Id must be a string"),
        ("a string", "Statement must be a JSON object"),
        (None, "Statement must be a JSON object"),
    ],
)
def test_invalid_statements_get_rage_messages_and_nothing_is_stored(
    acme: Acme, bad: Any, reason: str
) -> None:
    # Given a session and a batch whose second statement is invalid
    session = _session(acme)
    # When it is sent
    reply = track(session["authToken"], [statement(), bad])
    # Then 400 with RAGE's message, and the valid first statement was not stored either
    assert (reply.status, reply.json) == (400, {"message": INVALID.format(reason)})
    assert _stored(acme) == []


def test_extension_key_ending_in_slash_is_refused_for_result(acme: Acme) -> None:
    session = _session(acme)
    reply = track(session["authToken"], [statement(result={"extensions": {"http://x.org/ext/": 1}})])
    assert reply.status == 400
    assert reply.json["message"] == (
        "Statement [object Object] doesn't have a valid format. "
        "Error: Extension http://x.org/ext/ cannot end with / for result, [object Object]"
    )


def test_never_stricter_than_rage(acme: Acme) -> None:
    # Given what RAGE accepts but a strict LRS would not: bare keys, string scores, odd ids, no id
    odd = statement(
        result={"score": {"raw": "0.8"}, "extensions": {"ext1": "1", "/ext2": 2, "23.423.4756/ext3": 3}},
    )
    odd["verb"]["id"] = "pressed"
    odd["object"]["definition"]["extensions"] = {"bare": 1}
    session = _session(acme)
    assert track(session["authToken"], [odd, statement(id="not-a-uuid")]).status == 200
    stored = _stored(acme)
    assert len(stored) == 2 and all(len(s["id"]) == 36 for s in stored)


def test_one_client_id_twice_in_a_batch_keeps_both_statements(acme: Acme) -> None:
    # Given a batch repeating one statement id (a tracker re-queuing a trace), completed ones included
    session = _session(acme)
    same = "0b5f1c2e-8f0e-4a51-9d3c-2f1e6b7a9c11"
    batch = [statement(id=same), statement(id=same), statement("completed", id=same)]
    # When it is tracked
    reply = track(session["authToken"], batch)
    # Then all three are stored (the first keeps the id), as RAGE stored them all
    assert reply.status == 200, reply.body
    stored = _stored(acme)
    assert len(stored) == 3 and len({s["id"] for s in stored}) == 3 and same in {s["id"] for s in stored}


def test_any_content_type_is_read_as_json(acme: Acme) -> None:
    from hubtest.apigw import api_event
    from hubtest.functions import invoke

    session = _session(acme)
    raw = json.dumps([statement()], indent=2).replace("\n", "\r\n")  # C#'s pretty-printed CRLF array
    event = api_event(
        "POST",
        "/api/proxy/gleaner/collector/track",
        raw_body=raw,
        headers={"Authorization": session["authToken"], "Content-Type": "text/plain"},
    )
    assert invoke("collector_track", event).status == 200


def test_completed_statement_publishes_an_event_in_the_collector_program(acme: Acme) -> None:
    # Given a session
    session = _session(acme)
    # When a completed statement arrives with others
    reply = track(session["authToken"], [statement(), statement("completed", result={"success": True})])
    # Then one event is in the account's collector program, naming the player and the statement
    assert reply.status == 200
    counter = events_repository.read_counter(acme.collector_program)
    assert counter.seq == 1
    completed = next(s for s in _stored(acme) if s["verb"]["id"].endswith("/completed"))
    event = events_repository.get_event(f"{acme.collector_program}-{completed['id']}")
    assert event is not None
    assert event.publisher_participant_id == event_participant(PlayerType.ANONYMOUS, session["playerId"])
    assert event.event_type == "COLLECTOR_COMPLETED"
    assert event.publisher_event_data["trackingCode"] == acme.open_code
    assert event.publisher_event_data["result"] == {"success": True}


def test_resending_a_completed_statement_with_its_id_stores_it_once_and_publishes_once(acme: Acme) -> None:
    session = _session(acme)
    batch = [statement("completed", id="0b5f1c2e-8f0e-4a51-9d3c-2f1e6b7a9c10")]
    assert track(session["authToken"], batch).status == 200
    assert track(session["authToken"], batch).status == 200
    assert len(_stored(acme)) == 1
    assert events_repository.read_counter(acme.collector_program).seq == 1


def test_end_ends_the_token(acme: Acme) -> None:
    # Given a session that tracked once
    session = _session(acme)
    assert track(session["authToken"], [statement()]).status == 200
    # When it ends
    ended = end(session["authToken"])
    # Then 200 Success., and the token no longer tracks nor ends
    assert (ended.status, ended.body) == (200, SUCCESS)
    assert track(session["authToken"], [statement()]).status == 401
    assert end(session["authToken"]).status == 401
    assert end(None).status == 401


def _token(session: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    key = service.token_hash(session["authToken"])
    return clients.table(repository.collector_settings().COLLECTOR_TABLE_NAME), {
        "PK": f"TOKEN#{key}",
        "SK": "TOKEN",
    }


def _set_expiry(session: dict[str, Any], expires_at: int) -> None:
    table, key = _token(session)
    table.update_item(
        Key=key, UpdateExpression="SET expiresAt = :e", ExpressionAttributeValues={":e": expires_at}
    )


def test_an_expired_token_is_401_and_tracking_slides_the_expiry(acme: Acme) -> None:
    # Given a token whose expiry lags a full TTL by two slide steps (its last track was 2 minutes ago)
    session = _session(acme)
    table, key = _token(session)
    ttl = repository.collector_settings().COLLECTOR_TOKEN_TTL_SECONDS
    lagging = int(service.utc_now().timestamp()) + ttl - 2 * repository.SLIDE_STEP_SECONDS
    _set_expiry(session, lagging)
    # When it tracks, its expiry moves on to a full TTL from now
    assert track(session["authToken"], [statement()]).status == 200
    assert (
        int(table.get_item(Key=key)["Item"]["expiresAt"]) >= lagging + 2 * repository.SLIDE_STEP_SECONDS - 1
    )
    # And when the expiry is in the past (TTL deletes expired items only eventually), it is refused
    _set_expiry(session, 1)
    assert track(session["authToken"], [statement()]).status == 401


def test_tracks_within_a_slide_step_write_the_token_once(acme: Acme, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a session whose token was written by its start just now
    session = _session(acme)
    table, key = _token(session)
    written = table.get_item(Key=key)["Item"]
    updates: list[str] = []
    original = repository._live_token_update
    monkeypatch.setattr(
        repository, "_live_token_update", lambda *a, **k: updates.append(a[0]) or original(*a, **k)
    )
    # When it tracks three times within the minute
    for _ in range(3):
        assert track(session["authToken"], [statement()]).status == 200
    # Then the token is read, not written: same expiry, no conditional update
    assert updates == []
    assert table.get_item(Key=key)["Item"]["expiresAt"] == written["expiresAt"]
    # And an ended token is refused without a write either
    assert end(session["authToken"]).status == 200
    assert track(session["authToken"], [statement()]).status == 401
    assert len(updates) == 1  # the end's own update


def test_a_player_no_longer_admitted_gets_401_on_track(acme: Acme) -> None:
    # Given alice tracking on the members' code
    alice = _session(acme, acme.members_code, headers={"Authorization": "Bearer " + token_for("alice")})
    assert track(alice["authToken"], [statement()]).status == 200
    # When the participant list no longer holds her
    admin.update_code("acme", acme.members_code, UpdateTrackingCodeRequest(participants=["bob"]))
    # Then RAGE's 401
    reply = track(alice["authToken"], [statement()])
    assert (reply.status, reply.json) == (401, {"message": "Not authorized to send traces to this activity"})


def test_a_player_no_longer_admitted_gets_401_even_for_an_invalid_batch(acme: Acme) -> None:
    # The code and the player are read while the batch is validated: their answer still comes first
    alice = _session(acme, acme.members_code, headers={"Authorization": "Bearer " + token_for("alice")})
    admin.update_code("acme", acme.members_code, UpdateTrackingCodeRequest(participants=["bob"]))
    for body in ([{"verb": {"id": "http://x/v"}}], {"not": "an array"}):
        reply = track(alice["authToken"], body)
        assert (reply.status, reply.json["message"]) == (401, service.NOT_AUTHORIZED_TRACK)
    # and an admitted player's invalid batch is still RAGE's 400
    admin.update_code("acme", acme.members_code, UpdateTrackingCodeRequest(participants=["alice"]))
    assert track(alice["authToken"], [{"verb": {"id": "http://x/v"}}]).status == 400


def test_closing_a_code_does_not_stop_running_sessions(acme: Acme) -> None:
    # RAGE's track does not check that the activity is still open
    session = _session(acme)
    closed = admin.update_code("acme", acme.open_code, UpdateTrackingCodeRequest(open=False))
    assert closed.open is False and start(acme.open_code, body={}).status == 412
    assert track(session["authToken"], [statement()]).status == 200


def test_unprocessed_items_are_retried_until_every_statement_is_stored(acme: Acme) -> None:
    # Given DynamoDB leaving the last 5 items of every first attempt unprocessed: botocore hooks on the
    # real client hold them back from moto and hand them back as UnprocessedItems
    events = clients.dynamodb_client().meta.events
    calls: list[int] = []
    held: list[tuple[str, list[dict[str, Any]]]] = []

    def hold_back(params: dict[str, Any], **_: Any) -> None:
        ((name, requests),) = params["RequestItems"].items()
        calls.append(len(requests))
        if len(calls) % 2 == 1 and len(requests) > 5:
            params["RequestItems"][name], kept = requests[:-5], requests[-5:]
            held.append((name, kept))

    def hand_back(parsed: dict[str, Any], **_: Any) -> None:
        if held:
            name, kept = held.pop()
            parsed.setdefault("UnprocessedItems", {})[name] = kept

    events.register("before-parameter-build.dynamodb.BatchWriteItem", hold_back, unique_id="hold-back")
    events.register("after-call.dynamodb.BatchWriteItem", hand_back, unique_id="hand-back")
    try:
        session = _session(acme)
        # When 120 statements are tracked (more than one transaction holds: the BatchWriteItem path)
        reply = track(session["authToken"], [statement() for _ in range(120)])
    finally:
        events.unregister("before-parameter-build.dynamodb.BatchWriteItem", unique_id="hold-back")
        events.unregister("after-call.dynamodb.BatchWriteItem", unique_id="hand-back")
    # Then chunks of at most 25 were sent, the leftovers re-sent, and all 120 are stored
    assert reply.status == 200
    assert max(calls) <= 25 and len(calls) > 5
    assert len(_stored(acme)) == 120


def test_retries_that_run_out_answer_503_not_200(acme: Acme) -> None:
    # Given DynamoDB that processes nothing: every item comes back unprocessed
    events = clients.dynamodb_client().meta.events
    pending: list[dict[str, Any]] = []

    def take_all(params: dict[str, Any], **_: Any) -> None:
        pending.append(dict(params["RequestItems"]))
        ((name, requests),) = params["RequestItems"].items()
        params["RequestItems"][name] = requests[:0]

    def give_back(parsed: dict[str, Any], **_: Any) -> None:
        parsed["UnprocessedItems"] = pending.pop()

    # moto refuses an empty request list: answer in its place once the items are taken
    def answer(**_: Any) -> tuple[Any, dict[str, Any]]:
        return _Ok(), {"ResponseMetadata": {"HTTPStatusCode": 200}}

    events.register("before-parameter-build.dynamodb.BatchWriteItem", take_all, unique_id="take-all")
    events.register("before-call.dynamodb.BatchWriteItem", answer, unique_id="answer")
    events.register("after-call.dynamodb.BatchWriteItem", give_back, unique_id="give-back")
    try:
        session = _session(acme)
        reply = track(session["authToken"], [statement() for _ in range(120)])
    finally:
        events.unregister("before-parameter-build.dynamodb.BatchWriteItem", unique_id="take-all")
        events.unregister("before-call.dynamodb.BatchWriteItem", unique_id="answer")
        events.unregister("after-call.dynamodb.BatchWriteItem", unique_id="give-back")
    # Then the client is told to retry, and nothing is stored
    assert reply.status == 503 and _stored(acme) == []


class _Ok:
    """The HTTP half of an answer botocore takes from a before-call hook."""

    def __init__(self) -> None:
        self.status_code = 200
        self.headers: dict[str, str] = {}


def test_oversize_body_is_413(acme: Acme) -> None:
    session = _session(acme)
    reply = track(session["authToken"], raw=json.dumps([statement(padding="x" * 1_100_000)]))
    assert reply.status == 413


def test_a_statement_larger_than_a_dynamodb_item_holds_is_400_naming_it(acme: Acme) -> None:
    # Given a session and a batch under 1 MB whose second statement alone is over 350,000 bytes
    session = _session(acme)
    big = statement(result={"response": "x" * (service.MAX_STATEMENT_BYTES + 1)})
    # When it is tracked
    reply = track(session["authToken"], [statement(), big])
    # Then the answer names the statement and the limit, and nothing of the batch is stored
    assert reply.status == 400
    message = reply.json["message"]
    assert "Statement 1" in message and str(service.MAX_STATEMENT_BYTES) in message
    assert _stored(acme) == []


def test_a_statement_whose_filter_tags_fill_the_item_is_400_too(acme: Acme) -> None:
    # Given a statement under the limit as text, whose thousands of context activities each add a
    # filter tag to its item: the item, not the text, passes the limit
    session = _session(acme)
    parents = [{"id": f"http://a/{i}"} for i in range(9_000)]
    heavy = statement(context={"contextActivities": {"parent": parents}})
    assert len(json.dumps(heavy)) < service.MAX_STATEMENT_BYTES
    # When it is tracked
    reply = track(session["authToken"], [statement(), heavy])
    # Then it is refused by name, and nothing is stored
    assert reply.status == 400 and "Statement 1" in reply.json["message"], reply.body
    assert _stored(acme) == []


def _operations() -> tuple[list[str], Any]:
    """The DynamoDB operations the hub's client calls from now on, and a function to stop counting."""
    seen: list[str] = []
    hub_events = clients.dynamodb_client().meta.events

    def count(model: Any, **_: Any) -> None:
        seen.append(model.name)

    hub_events.register("before-call.dynamodb", count, unique_id="count-operations")
    return seen, lambda: hub_events.unregister("before-call.dynamodb", unique_id="count-operations")


def test_a_track_that_fits_one_transaction_commits_statements_and_events_in_it(acme: Acme) -> None:
    # Given a session and a usual flush: a few statements, one of them completed
    session = _session(acme)
    seen, stop = _operations()
    try:
        # When it is tracked
        reply = track(session["authToken"], [statement(), statement(), statement("completed")])
    finally:
        stop()
    # Then one TransactWriteItems held the statements, their postings and the event: no batch write
    assert reply.status == 200
    assert seen.count("TransactWriteItems") == 1 and "BatchWriteItem" not in seen, seen
    assert len(_stored(acme)) == 3
    assert events_repository.read_counter(acme.collector_program).seq == 1


class _CommitFails:
    """botocore before-call hook: every TransactWriteItems fails as if DynamoDB were unreachable."""

    def __call__(self, **_: Any) -> None:
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url="https://dynamodb.test")


def test_a_larger_track_is_invisible_until_its_batch_commits_and_a_re_send_completes_it(acme: Acme) -> None:
    # Given a track of 150 statements (2 completed, none with an id) whose last transaction fails
    session = _session(acme)
    body = [statement() for _ in range(148)] + [statement("completed"), statement("completed")]
    hub_events = clients.dynamodb_client().meta.events
    hub_events.register("before-call.dynamodb.TransactWriteItems", _CommitFails(), unique_id="commit-fails")
    try:
        failed = track(session["authToken"], body)
    finally:
        hub_events.unregister("before-call.dynamodb.TransactWriteItems", unique_id="commit-fails")
    # Then the tracker is told to retry, the items written are invisible, and no event exists
    assert failed.status == 503
    assert _stored(acme) == []
    assert events_repository.read_counter(acme.collector_program).seq == 0
    raw = clients.table(statements.table_name()).scan(ConsistentRead=True)["Items"]
    assert any(i.get("B") for i in raw if str(i["PK"]).startswith("STMT#"))  # written, not visible
    # When the tracker sends the same batch again
    assert track(session["authToken"], body).status == 200
    # Then every statement is stored once and each completion published once
    stored = _stored(acme)
    assert len(stored) == 150 and len({s["id"] for s in stored}) == 150
    assert events_repository.read_counter(acme.collector_program).seq == 2
    # And a third send (the second answer lost) neither hides nor duplicates anything
    assert track(session["authToken"], body).status == 200
    assert len(_stored(acme)) == 150
    assert events_repository.read_counter(acme.collector_program).seq == 2


def test_a_batch_with_more_completions_than_its_commit_holds_is_400_and_stores_nothing(acme: Acme) -> None:
    session = _session(acme)
    reply = track(session["authToken"], [statement("completed") for _ in range(120)])
    assert reply.status == 400 and "at most 49 completed statements" in reply.body
    assert _stored(acme) == []
    raw = clients.table(statements.table_name()).scan(ConsistentRead=True)["Items"]
    assert not [i for i in raw if str(i["PK"]).startswith("STMT#")]
