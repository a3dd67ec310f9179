"""A collector start is one transaction on what it read: concurrent starts of one player never share
a session number, a first start racing another keeps one player, and a start losing every race is a
clean 503 with nothing written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from collector_support import Acme, start, token_for
from hubtest.functions import Reply

from trackhub.collector import repository
from trackhub.config import collector_settings
from trackhub.storage.clients import dynamodb_client, dynamodb_resource, table

BEARER = "Authorization"


def _collector_items() -> list[dict[str, Any]]:
    return list(table(collector_settings().COLLECTOR_TABLE_NAME).scan(ConsistentRead=True)["Items"])


def _rival_before_commit(
    monkeypatch: pytest.MonkeyPatch, rival: Callable[[], Reply], times: int = 1
) -> list[Reply]:
    """Run `rival` (another whole start) between the next `times` starts' read and their transaction."""
    commit = repository.commit_start
    rivals: list[Reply] = []
    inside: list[bool] = []  # the rival's own commit runs undisturbed

    def interleaved(*args: Any, **kwargs: Any) -> None:
        if len(rivals) < times and not inside:
            inside.append(True)
            try:
                rivals.append(rival())
            finally:
                inside.clear()
        commit(*args, **kwargs)

    monkeypatch.setattr(repository, "commit_start", interleaved)
    return rivals


def test_a_resume_that_loses_the_race_takes_the_next_session_number(
    acme: Acme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an anonymous player with one session, and a second resume of it committing in between
    player = start(acme.open_code, body={}).json["playerId"]
    rivals = _rival_before_commit(monkeypatch, lambda: start(acme.open_code, body={"anonymous": player}))
    # When it resumes
    reply = start(acme.open_code, body={"anonymous": player})
    # Then the rival took session 2, the resume re-read and took 3, and the counter says 3
    assert [r.status for r in rivals] == [200] and rivals[0].json["session"] == 2
    assert reply.status == 200 and reply.json["session"] == 3, reply.body
    counters = [i for i in _collector_items() if i["SK"] == f"CODE#{acme.open_code}" and player in i["PK"]]
    assert [int(c["sessions"]) for c in counters] == [3]
    assert reply.json["firstSessionStarted"] == rivals[0].json["firstSessionStarted"]


def test_two_first_starts_of_one_identified_player_make_one_player(
    acme: Acme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given dan's first start, and another first start of dan committing in between
    headers = {BEARER: "Bearer " + token_for("dan")}
    rivals = _rival_before_commit(monkeypatch, lambda: start(acme.open_code, body={}, headers=headers))
    # When dan starts
    reply = start(acme.open_code, body={}, headers=headers)
    # Then one player exists, its animal name in both answers, with sessions 1 and 2
    assert reply.status == 200, reply.body
    assert [rivals[0].json["session"], reply.json["session"]] == [1, 2]
    assert reply.json["playerAnimalName"] == rivals[0].json["playerAnimalName"]
    players = [i for i in _collector_items() if i["SK"] == "PLAYER" and i["PK"].endswith("#identified#dan")]
    assert len(players) == 1


def test_a_start_that_loses_every_race_is_a_clean_503_and_writes_nothing_of_its_own(
    acme: Acme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a player whose every resume meets a rival committing first
    player = start(acme.open_code, body={}).json["playerId"]
    rivals = _rival_before_commit(
        monkeypatch, lambda: start(acme.open_code, body={"anonymous": player}), times=100
    )
    # When it resumes
    reply = start(acme.open_code, body={"anonymous": player})
    # Then it gives up after its attempts with RAGE's shape and a hint to retry
    assert (reply.status, set(reply.json)) == (503, {"message"}), reply.body
    assert reply.headers.get("Retry-After") == "1"
    # And every session number and token there is belongs to a rival (1 + one per attempt)
    tokens = [i for i in _collector_items() if i["SK"] == "TOKEN" and i["playerId"] == player]
    assert sorted(int(t["session"]) for t in tokens) == list(range(1, len(rivals) + 2))
    assert all(r.status == 200 for r in rivals)


def test_a_player_deleted_between_read_and_write_is_not_resumed(
    acme: Acme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an anonymous player deleted by an admin while its resume is in flight
    from trackhub.collector import admin

    player = start(acme.open_code, body={}).json["playerId"]

    def delete() -> Reply:
        admin.delete_player("acme", "anonymous", player)
        return Reply(204, {}, "")

    _rival_before_commit(monkeypatch, delete)
    # When the resume commits
    reply = start(acme.open_code, body={"anonymous": player})
    # Then it re-reads, finds no player (RAGE's 404), and leaves no counter or player behind
    assert reply.status == 404, reply.body
    assert not [i for i in _collector_items() if str(i["PK"]).endswith(f"#anonymous#{player}")]


def test_counters_left_without_their_player_do_not_count_for_a_new_one(acme: Acme) -> None:
    # Given dan's counter at 4 whose player item is gone (a surplus counter of a large delete)
    headers = {BEARER: "Bearer " + token_for("dan")}
    for _ in range(4):
        assert start(acme.open_code, body={}, headers=headers).status == 200
    pk = next(i["PK"] for i in _collector_items() if i["SK"] == "PLAYER" and i["PK"].endswith("#dan"))
    table(collector_settings().COLLECTOR_TABLE_NAME).delete_item(Key={"PK": pk, "SK": "PLAYER"})
    # When dan starts again
    reply = start(acme.open_code, body={}, headers=headers)
    # Then he starts afresh at session 1
    assert reply.status == 200 and reply.json["session"] == 1, reply.body


def test_every_kind_of_start_is_three_dynamodb_calls(acme: Acme) -> None:
    # Given a counter on the hub's DynamoDB clients
    seen: Counter[str] = Counter()

    def record(model: Any, **_: Any) -> None:
        seen[model.name] += 1

    clients = {id(c): c for c in (dynamodb_client(), dynamodb_resource().meta.client)}
    for client in clients.values():
        client.meta.events.register("before-call.dynamodb.*", record)
    try:
        headers = {BEARER: "Bearer " + token_for("erin", jti="j-1")}
        answers = []
        # When a new anonymous player, a resume, and an identified first and second start start
        answers.append(start(acme.open_code, body={}))
        answers.append(start(acme.open_code, body={"anonymous": answers[0].json["playerId"]}))
        answers.append(start(acme.open_code, body={}, headers=headers))
        answers.append(start(acme.open_code, body={}, headers=headers))
    finally:
        for client in clients.values():
            client.meta.events.unregister("before-call.dynamodb.*", record)
    # Then each is the code GetItem, one BatchGetItem and one TransactWriteItems (docs/performance.md)
    assert [a.json["session"] for a in answers] == [1, 2, 1, 2]
    assert seen == Counter({"GetItem": 4, "BatchGetItem": 4, "TransactWriteItems": 4})
