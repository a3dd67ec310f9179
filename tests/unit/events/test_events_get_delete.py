"""GET /events/{eventId} and DELETE /events/{eventId} (alias DELETE /api/events/{id})."""

from __future__ import annotations

import pytest
from events_support import Hub, World, auth_of, events_items

ABSENT = "PUB-0b5f1c2e-8f0e-4a51-9d3c-2f1e6b7a9c10"


# ------------------------------------------------------------------ get
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("subscriber", 200),
        ("publisher_only", 403),  # knows the program (may publish to it) but may not read it
        ("outsider", 404),  # no right at all on PUB: indistinguishable from a missing event
        ("other_program_owner", 404),
        ("revoked", 401),
        ("wrong_secret", 401),
        ("no_credentials", 401),
    ],
)
def test_who_may_get_an_event(hub: Hub, world: World, who: str, status: int) -> None:
    # Given an event of PUB
    event_id = hub.published(world.owner.auth)
    # When it is read
    reply = hub.get(event_id, auth_of(world, who))
    # Then the right status is given
    assert reply.status == status, reply.body
    if status == 200:
        assert reply.json["EventId"] == event_id
    if status == 401:
        assert reply.headers.get("WWW-Authenticate", "").startswith("Basic")


def test_an_outsider_cannot_tell_an_existing_event_from_a_missing_one(hub: Hub, world: World) -> None:
    # Given an existing event, and the id of a missing one
    event_id = hub.published(world.owner.auth)
    missing = f"PUB-{event_id[-36:-12]}000000000000"
    # When an outsider asks for both
    existing_reply = hub.get(event_id, world.outsider.auth)
    missing_reply = hub.get(missing, world.outsider.auth)
    # Then the answers differ only by the id they echo
    assert existing_reply.status == missing_reply.status == 404
    assert existing_reply.json["message"].replace(event_id, "<id>") == missing_reply.json["message"].replace(
        missing, "<id>"
    )


@pytest.mark.parametrize("event_id", [ABSENT, "not-an-event-id", "PUB-123", "E:PUB-" + ABSENT[4:]])
def test_a_missing_or_impossible_event_id_is_404(hub: Hub, world: World, event_id: str) -> None:
    reply = hub.get(event_id, world.owner.auth)
    assert reply.status == 404, reply.body
    assert reply.json["code"] == "not_found"


# ------------------------------------------------------------------ delete
@pytest.mark.parametrize("alias", [False, True], ids=["/events/{eventId}", "/api/events/{id}"])
def test_the_owner_deletes_an_event_and_it_is_gone_from_get_and_the_feed(
    hub: Hub, world: World, events_store: dict[str, str], alias: bool
) -> None:
    # Given three events
    first, second, third = (hub.published(world.owner.auth) for _ in range(3))
    # When the owner deletes the middle one
    reply = hub.delete(second, world.owner.auth, alias=alias)
    # Then it answers 204 with no body
    assert reply.status == 204, reply.body
    assert reply.body == ""
    # And the event is gone from GET, from both feeds, and from the table (event and feed items)
    assert hub.get(second, world.owner.auth).status == 404
    assert [e["EventId"] for e in hub.feed(world.subscriber.auth, program="PUB").json["events"]] == [
        first,
        third,
    ]
    assert [e["EventId"] for e in hub.program_feed("PUB", world.subscriber.auth).json] == [first, third]
    assert not [item for item in events_items(events_store) if item.get("EventId") == second]
    # And deleting it again is 404
    assert hub.delete(second, world.owner.auth, alias=alias).status == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 204),
        ("publisher_only", 204),
        ("subscriber", 403),  # may read PUB, may not change it
        ("outsider", 404),
        ("other_program_owner", 404),
        ("revoked", 401),
        ("wrong_secret", 401),
        ("no_credentials", 401),
    ],
)
@pytest.mark.parametrize("alias", [False, True], ids=["/events/{eventId}", "/api/events/{id}"])
def test_who_may_delete_an_event(hub: Hub, world: World, who: str, status: int, alias: bool) -> None:
    # Given an event of PUB
    event_id = hub.published(world.owner.auth)
    # When someone deletes it
    reply = hub.delete(event_id, auth_of(world, who), alias=alias)
    # Then only the owning program's publishers succeed; the event survives every refusal
    assert reply.status == status, reply.body
    assert hub.get(event_id, world.owner.auth).status == (404 if status == 204 else 200)


@pytest.mark.parametrize("event_id", [ABSENT, "garbage"])
def test_deleting_a_missing_event_is_404(hub: Hub, world: World, event_id: str) -> None:
    assert hub.delete(event_id, world.owner.auth).status == 404
