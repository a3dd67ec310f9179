"""POST /v1/webtracking/push: both identification modes, every validation error, nothing stored on refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from wt_support import (
    World,
    create_pathway,
    hub_events,
    launch_new,
    progress_items,
    pull,
    push,
)

from trackhub.config import reset_settings


def _by_user(world: World, **fields: Any) -> dict[str, Any]:
    demo = world.demo
    return {
        "userToken": demo.user_token,
        "pathway": demo.pathway_id,
        "activity_ID": demo.activity_id,
        **fields,
    }


def _state(world: World) -> dict[str, Any]:
    data = pull(world.platform, world.demo.web_token).json["data"]
    return {k: data[k] for k in ("progress", "complete", "message", "data")}


# ------------------------------------------------------------------ success
def test_push_with_webtoken_answers_pushed_with_the_current_state(world: World) -> None:
    # When the platform pushes progress with the webToken
    reply = push(world.platform, {"webToken": world.demo.web_token, "progress": 25})
    # Then it is stored and the answer carries the current progress and complete
    assert reply.status == 200, reply.body
    assert reply.json["status"] == "success"
    assert reply.json["data"] == {"pushed": True, "progress": 25.0, "complete": 0}
    assert {"hash", "response_time"} <= reply.json.keys()


@pytest.mark.parametrize("pathway", ["id", "name", "NAME IN CAPITALS"])
def test_push_with_usertoken_activity_id_and_pathway_id_or_name(world: World, pathway: str) -> None:
    demo = world.demo
    value = {"id": demo.pathway_id, "name": demo.pathway_name, "NAME IN CAPITALS": demo.pathway_name.upper()}
    # When the platform pushes with userToken + activity_ID + pathway (ID, or name in any case)
    reply = push(world.platform, _by_user(world, pathway=value[pathway], complete=1, progress=100))
    # Then it lands on the same state the webToken reads
    assert reply.status == 200, reply.body
    assert reply.json["data"] == {"pushed": True, "progress": 100.0, "complete": 1}
    assert _state(world)["complete"] == 1


def test_omitted_fields_keep_their_value(world: World) -> None:
    token = world.demo.web_token
    push(world.platform, {"webToken": token, "progress": 30, "message": "first", "data": '{"a": 1}'})
    # When a later push sends only complete
    reply = push(world.platform, {"webToken": token, "complete": 1})
    # Then progress, message and data are untouched (complete does not force progress to 100)
    assert reply.json["data"] == {"pushed": True, "progress": 30.0, "complete": 1}
    assert _state(world) == {"progress": 30.0, "complete": 1, "message": "first", "data": {"a": 1}}
    # And an empty message clears it, any JSON value is accepted as data
    push(world.platform, {"webToken": token, "message": "", "data": "[1, 2]"})
    assert _state(world) == {"progress": 30.0, "complete": 1, "message": "", "data": [1, 2]}


def test_boundaries_are_accepted(world: World) -> None:
    token = world.demo.web_token
    for progress in (0, 100, 99.99):
        assert push(world.platform, {"webToken": token, "progress": progress}).status == 200
    assert push(world.platform, {"webToken": token, "message": "m" * 48}).status == 200
    big = '{"k": "' + "x" * (16 * 1024 - 10) + '"}'
    assert push(world.platform, {"webToken": token, "data": big}).status == 200


def test_a_body_sent_as_form_content_type_is_read_as_json(world: World) -> None:
    # curl -d (Falkor's own examples) labels the JSON body application/x-www-form-urlencoded
    from hubtest.apigw import api_event
    from hubtest.functions import invoke

    event = api_event(
        "POST",
        "/v1/webtracking/push",
        raw_body=f'{{"webToken": "{world.demo.web_token}", "progress": 5}}',
        headers={"Authorization": world.platform, "Content-Type": "application/x-www-form-urlencoded"},
    )
    reply = invoke("webtracking_push", event)
    assert reply.status == 200, reply.body


# ------------------------------------------------------------ refusals: 400 naming the field, nothing stored
BAD_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    ("message of 49 chars", {"message": "m" * 49}, "message"),
    ("progress -1", {"progress": -1}, "progress"),
    ("progress 100.5", {"progress": 100.5}, "progress"),
    ("progress text", {"progress": "text"}, "progress"),
    ("progress numeric string", {"progress": "50"}, "progress"),
    ("progress boolean", {"progress": True}, "progress"),
    ("complete 2", {"complete": 2}, "complete"),
    ("complete boolean", {"complete": True}, "complete"),
    ("complete 0.5", {"complete": 0.5}, "complete"),
    ("data not JSON", {"data": "{not json"}, "data"),
    ("data NaN", {"data": "NaN"}, "data"),
    ("data not a string", {"data": {"score": 1}}, "data"),
    ("data over 16 KiB", {"data": '"' + "x" * (16 * 1024) + '"'}, "data"),
    ("message not a string", {"message": 12}, "message"),
    ("unknown field", {"progres": 5}, "progres"),
    ("nothing to store", {}, "progress"),
    ("a good field next to a bad one", {"progress": 10, "complete": 2}, "complete"),
]


@pytest.mark.parametrize(
    ("fields", "field"), [(f, n) for _, f, n in BAD_FIELDS], ids=[c for c, _, _ in BAD_FIELDS]
)
@pytest.mark.parametrize("mode", ["webToken", "userToken"])
def test_bad_fields_are_400_naming_the_field_and_nothing_changes(
    world: World, hub_tables: dict[str, str], mode: str, fields: dict[str, Any], field: str
) -> None:
    # Given a stored state and one event
    push(
        world.platform,
        {"webToken": world.demo.web_token, "progress": 10, "message": "kept", "data": '{"k": 1}'},
    )
    before, items, events = _state(world), progress_items(hub_tables), hub_events(hub_tables)
    # When a push carries an invalid field
    body = {"webToken": world.demo.web_token, **fields} if mode == "webToken" else _by_user(world, **fields)
    reply = push(world.platform, body)
    # Then it is a 400 in the Falkor shape naming the field
    assert reply.status == 400, reply.body
    assert reply.json["status"] == "error" and set(reply.json) == {"status", "message"}
    assert field in reply.json["message"]
    # And nothing changed: state, stored item (version included) and events
    assert _state(world) == before
    assert progress_items(hub_tables) == items
    assert hub_events(hub_tables) == events


BAD_IDENTIFICATION: list[tuple[str, dict[str, Any], str]] = [
    ("no identification", {"progress": 1}, "webToken"),
    ("userToken without activity_ID", {"userToken": "u", "pathway": "p", "progress": 1}, "activity_ID"),
    ("userToken without pathway", {"userToken": "u", "activity_ID": "a", "progress": 1}, "pathway"),
    ("both modes", {"webToken": "w", "userToken": "u", "progress": 1}, "userToken"),
    ("webToken not a string", {"webToken": 5, "progress": 1}, "webToken"),
]


@pytest.mark.parametrize(
    ("body", "field"), [(b, f) for _, b, f in BAD_IDENTIFICATION], ids=[c for c, _, _ in BAD_IDENTIFICATION]
)
def test_identification_must_be_one_complete_mode(
    world: World, hub_tables: dict[str, str], body: dict[str, Any], field: str
) -> None:
    reply = push(world.platform, body)
    assert reply.status == 400 and field in reply.json["message"], reply.body
    assert progress_items(hub_tables) == []


def test_malformed_json_is_400(world: World, hub_tables: dict[str, str]) -> None:
    reply = push(world.platform, raw='{"webToken": ')
    assert reply.status == 400 and reply.json["status"] == "error"
    reply = push(world.platform, raw='{"webToken": "x", "progress": NaN}')
    assert reply.status == 400
    assert progress_items(hub_tables) == []


# ------------------------------------------------------------------ refusals: unknown things, 404 / 409
def test_unknown_webtoken_usertoken_activity_and_pathway_are_404(
    world: World, hub_tables: dict[str, str]
) -> None:
    cases = [
        ({"webToken": "unknown-token-0123456789abcdefghij", "progress": 5}, "webToken"),
        (_by_user(world, userToken="unknown-token-0123456789abcdefghij", progress=5), "userToken"),
        (_by_user(world, activity_ID="no-such-activity", progress=5), "activity_ID"),
        (_by_user(world, activity_ID="bad#id", progress=5), "activity_ID"),
        (_by_user(world, pathway="No such pathway", progress=5), "pathway"),
    ]
    for body, field in cases:
        reply = push(world.platform, body)
        assert reply.status == 404, (body, reply.body)
        assert reply.json["status"] == "error" and reply.json["message"].startswith(f"{field}:")
    assert progress_items(hub_tables) == [] and hub_events(hub_tables) == []


def test_an_ambiguous_pathway_name_is_409_and_its_id_still_works(
    world: World, hub_tables: dict[str, str]
) -> None:
    # Given a second pathway whose name differs from the demo's only by case
    assert create_pathway("acme", world.demo.pathway_name.lower()).status == 201
    # When a push names the pathway by that name
    reply = push(world.platform, _by_user(world, pathway=world.demo.pathway_name, progress=5))
    # Then it is a conflict naming the field, and nothing is stored
    assert reply.status == 409 and reply.json["message"].startswith("pathway:"), reply.body
    assert progress_items(hub_tables) == [] and hub_events(hub_tables) == []
    # And the ID is unambiguous
    assert push(world.platform, _by_user(world, progress=5)).status == 200


def test_an_expired_webtoken_is_404_with_a_tiny_configured_lifetime(
    world: World,
    hub_tables: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    advance_clock: Callable[[float], None],
) -> None:
    # Given webTokens that live one second (WEBTOKEN_TTL_SECONDS) and a launch made under that setting
    monkeypatch.setenv("WEBTOKEN_TTL_SECONDS", "1")
    reset_settings()
    short = launch_new("acme", "Short lived")
    assert push(world.platform, {"webToken": short.web_token, "progress": 1}).status == 200
    # When two seconds pass (TTL has not deleted the item: the explicit check refuses it)
    advance_clock(2)
    reply = push(world.platform, {"webToken": short.web_token, "progress": 50})
    # Then push and pull both say not found, and the state is what it was
    assert reply.status == 404 and "expired" in reply.json["message"]
    assert pull(world.platform, short.web_token).status == 404
    assert [float(i["progress"]) for i in progress_items(hub_tables)] == [1.0]


# ------------------------------------------------------------------ isolation between accounts
def test_another_account_can_neither_read_nor_write_with_acme_tokens(
    world: World, hub_tables: dict[str, str]
) -> None:
    push(world.platform, {"webToken": world.demo.web_token, "progress": 10})
    before, items, events = _state(world), progress_items(hub_tables), hub_events(hub_tables)
    # When the outsider (valid key with the webtracking scope, another account) uses acme's tokens
    by_web = push(world.outsider, {"webToken": world.demo.web_token, "progress": 99})
    by_user = push(world.outsider, _by_user(world, progress=99))
    # Then neither exists for it, and nothing changed
    assert (by_web.status, by_user.status) == (404, 404)
    assert (
        _state(world) == before and progress_items(hub_tables) == items and hub_events(hub_tables) == events
    )


def test_a_key_without_the_webtracking_scope_is_403_and_no_credentials_401(world: World) -> None:
    assert push(world.no_scope, {"webToken": world.demo.web_token, "progress": 1}).status == 403
    missing = push(None, {"webToken": world.demo.web_token, "progress": 1})
    assert missing.status == 401 and missing.json["status"] == "error"
