"""POST /events and POST /api/events: what is stored, what is refused, and who may publish."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from events_support import DROP, Hub, World, auth_of, event_body, events_items
from hubtest.apigw import basic

from trackhub.tenancy import service as tenancy

OTHER_UUID = "0b5f1c2e-8f0e-4a51-9d3c-2f1e6b7a9c10"


def event_id_of(location: str) -> str:
    assert location.startswith("/events/"), location
    return location.removeprefix("/events/")


# ------------------------------------------------------------------ success
@pytest.mark.parametrize("alias", [False, True], ids=["/events", "/api/events"])
def test_publish_answers_201_with_location_and_an_empty_body(hub: Hub, world: World, alias: bool) -> None:
    # Given a full Learning Hub payload from the owner of PUB
    body = event_body()
    # When it is posted to either path
    reply = hub.publish(body, world.owner.auth, alias=alias)
    # Then it is created, located at /events/<EventId> (no /api prefix), with no body
    assert reply.status == 201, reply.body
    assert reply.body == ""
    event_id = event_id_of(reply.headers["Location"])
    prefix, _, suffix = event_id.partition("-")
    assert prefix == "PUB"
    assert uuid.UUID(suffix).version == 4
    # And GET returns the full record with every publisher field as sent
    record = hub.get(event_id, world.owner.auth).json
    assert record == {
        "EventId": event_id,
        "EventType": "AI_COMP_SUCCESS",
        "PublisherProgramId": "PUB",
        "PublisherSystemId": "LB",
        "PublisherEventId": body["PublisherEventId"],
        "PublisherParticipantId": "joebob@example.com",
        "PublisherEventCategory": {"value": "ABC123", "label": "Online Course"},
        "PublisherEventData": body["PublisherEventData"],
        "EventStartUtc": "2024-05-01T12:30:00.000Z",
        "EventEndUtc": "2024-05-01T13:30:00.000Z",
        "ReferenceEventId": None,
        "CreatedUtc": record["CreatedUtc"],
    }
    assert record["CreatedUtc"].endswith("Z") and len(record["CreatedUtc"]) == len("2024-05-01T12:30:00.000Z")


def test_optional_fields_are_null_when_absent_and_timestamps_are_normalized_to_utc(
    hub: Hub, world: World
) -> None:
    # Given a minimal event whose start has an offset and sub-millisecond digits
    # When it is published and read back
    event_id = hub.published(
        world.owner.auth,
        PublisherSystemId=DROP,
        PublisherEventCategory=DROP,
        EventEndUtc=DROP,
        EventStartUtc="2024-05-01T14:30:00.123456+02:00",
    )
    record = hub.get(event_id, world.owner.auth).json
    # Then absent optional fields are null and the start is UTC with milliseconds and Z
    assert record["PublisherSystemId"] is None
    assert record["PublisherEventCategory"] is None
    assert record["EventEndUtc"] is None
    assert record["ReferenceEventId"] is None
    assert record["EventStartUtc"] == "2024-05-01T12:30:00.123Z"


def test_older_utc_casing_is_accepted_as_an_alias(hub: Hub, world: World) -> None:
    # Given the casing of older Learning Hub pages
    body = event_body(
        EventStartUtc=DROP,
        EventEndUtc=DROP,
        EventStartUTC="2024-05-01T12:30:00Z",
        EventEndUTC="2024-05-01T12:30:00Z",
        ReferenceEventId="PUB-" + OTHER_UUID,
    )
    # When published
    reply = hub.publish(body, world.owner.auth)
    # Then it is stored under the current names
    assert reply.status == 201, reply.body
    record = hub.get(event_id_of(reply.headers["Location"]), world.owner.auth).json
    assert record["EventStartUtc"] == record["EventEndUtc"] == "2024-05-01T12:30:00.000Z"
    assert record["ReferenceEventId"] == "PUB-" + OTHER_UUID


def test_a_client_supplied_event_id_is_kept_with_its_uuid_lower_cased(hub: Hub, world: World) -> None:
    # When the client supplies its own EventId (upper-case UUID)
    reply = hub.publish(event_body(EventId=f"PUB-{OTHER_UUID.upper()}"), world.owner.auth)
    # Then it is used (UUID normalized), and GET works with either case
    assert reply.status == 201, reply.body
    assert reply.headers["Location"] == f"/events/PUB-{OTHER_UUID}"
    assert hub.get(f"PUB-{OTHER_UUID.upper()}", world.owner.auth).json["EventId"] == f"PUB-{OTHER_UUID}"


def test_program_ids_with_hyphens_still_split_from_the_uuid(hub: Hub, world: World) -> None:
    # Given a program whose id contains '-' and a key for it
    program = f"my-prog-{uuid.uuid4().hex[:6]}"
    tenancy.create_program("pubacct", program, "Hyphenated")
    key, secret = tenancy.create_key("pubacct", [f"events:publish:{program}", f"events:read:{program}"], "t")
    auth = basic(key.user_id, secret)
    # When it publishes with and without an EventId
    supplied = hub.publish(event_body(PublisherProgramId=program, EventId=f"{program}-{OTHER_UUID}"), auth)
    assigned = hub.publish(event_body(PublisherProgramId=program), auth)
    # Then both are accepted and readable
    assert supplied.status == assigned.status == 201
    assert hub.get(event_id_of(assigned.headers["Location"]), auth).json["PublisherProgramId"] == program


def test_publishing_emits_the_events_published_metric(
    hub: Hub, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # When an event is published
    hub.published(world.owner.auth)
    # Then the EMF line for EventsPublished is written
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(line.get("EventsPublished") == [1.0] for line in lines), lines


# ------------------------------------------------------------------ duplicates
def test_a_duplicate_event_id_is_409_and_the_original_is_unchanged(
    hub: Hub, world: World, events_store: dict[str, str]
) -> None:
    # Given an event published with a client-supplied id
    event_id = f"PUB-{OTHER_UUID}"
    hub.published(world.owner.auth, EventId=event_id, PublisherEventData={"version": 1})
    before = hub.get(event_id, world.owner.auth).json
    items_before = events_items(events_store)
    # When the same id is posted again (also with a differently cased UUID, and on the alias)
    again = hub.publish(event_body(EventId=event_id, PublisherEventData={"version": 2}), world.owner.auth)
    upper = hub.publish(
        event_body(EventId=f"PUB-{OTHER_UUID.upper()}", PublisherEventData={"version": 3}),
        world.owner.auth,
        alias=True,
    )
    # Then both are 409 naming EventId, and nothing was overwritten or added
    for reply in (again, upper):
        assert reply.status == 409, reply.body
        assert reply.json["code"] == "conflict"
        assert "EventId" in reply.json["message"]
    assert hub.get(event_id, world.owner.auth).json == before
    assert sorted(map(str, events_items(events_store))) == sorted(map(str, items_before))
    assert len(hub.feed(world.owner.auth, program="PUB").json["events"]) == 1


# ------------------------------------------------------------------ bad input
LONG = "x" * 201
BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("EventType wrong type", {"EventType": 7}, "EventType"),
    ("EventType empty", {"EventType": ""}, "EventType"),
    ("EventType too long", {"EventType": "T" * 51}, "EventType"),
    ("EventType missing", {"EventType": DROP}, "EventType"),
    ("PublisherProgramId too long", {"PublisherProgramId": "P" * 26}, "PublisherProgramId"),
    ("PublisherProgramId bad characters", {"PublisherProgramId": "PUB/1"}, "PublisherProgramId"),
    ("PublisherProgramId missing", {"PublisherProgramId": DROP}, "PublisherProgramId"),
    ("PublisherSystemId too long", {"PublisherSystemId": "S" * 26}, "PublisherSystemId"),
    ("PublisherSystemId wrong type", {"PublisherSystemId": 5}, "PublisherSystemId"),
    ("PublisherEventId too long", {"PublisherEventId": LONG}, "PublisherEventId"),
    ("PublisherEventId missing", {"PublisherEventId": DROP}, "PublisherEventId"),
    ("PublisherParticipantId too long", {"PublisherParticipantId": LONG}, "PublisherParticipantId"),
    ("PublisherParticipantId null", {"PublisherParticipantId": None}, "PublisherParticipantId"),
    ("category without label", {"PublisherEventCategory": {"value": "v"}}, "PublisherEventCategory"),
    (
        "category extra key",
        {"PublisherEventCategory": {"value": "v", "label": "l", "x": 1}},
        "PublisherEventCategory",
    ),
    ("category a string", {"PublisherEventCategory": "Online Course"}, "PublisherEventCategory"),
    (
        "category value a number",
        {"PublisherEventCategory": {"value": 1, "label": "l"}},
        "PublisherEventCategory",
    ),
    ("data a list", {"PublisherEventData": [1, 2]}, "PublisherEventData"),
    ("data a JSON string", {"PublisherEventData": '{"a": 1}'}, "PublisherEventData"),
    ("data missing", {"PublisherEventData": DROP}, "PublisherEventData"),
    ("start missing", {"EventStartUtc": DROP}, "EventStartUtc"),
    ("start naive", {"EventStartUtc": "2024-05-01T12:30:00"}, "EventStartUtc"),
    ("start date only", {"EventStartUtc": "2024-05-01"}, "EventStartUtc"),
    ("start not a date", {"EventStartUtc": "yesterday"}, "EventStartUtc"),
    ("start a unix number", {"EventStartUtc": 1714566600}, "EventStartUtc"),
    ("start out of range", {"EventStartUtc": "0001-01-01T00:00:00+01:00"}, "EventStartUtc"),
    ("end naive", {"EventEndUtc": "2024-05-01T13:30:00"}, "EventEndUtc"),
    ("end before start", {"EventEndUtc": "2024-05-01T12:29:59.999Z"}, "EventEndUtc"),
    ("EventId of another program", {"EventId": f"OTHER-{OTHER_UUID}"}, "EventId"),
    ("EventId not a UUID", {"EventId": "PUB-ABC123"}, "EventId"),
    ("EventId UUID without hyphens", {"EventId": "PUB-" + OTHER_UUID.replace("-", "")}, "EventId"),
    ("EventId with the later E: prefix", {"EventId": f"E:PUB-{OTHER_UUID}"}, "EventId"),
    ("EventId wrong type", {"EventId": 12}, "EventId"),
    ("ReferenceEventId too long", {"ReferenceEventId": LONG}, "ReferenceEventId"),
    ("unknown field", {"Foo": "bar"}, "Foo"),
    ("camelCase field name", {"eventType": "AI_COMP_SUCCESS"}, "eventType"),
    ("both casings of the start", {"EventStartUTC": "2024-05-01T12:30:00Z"}, "EventStartUTC"),
]


@pytest.mark.parametrize(
    ("overrides", "field"), [(o, f) for _, o, f in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_bad_fields_are_400_naming_the_field_and_nothing_is_written(
    hub: Hub, world: World, events_store: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    # When a body with one bad field is posted
    reply = hub.publish(event_body(**overrides), world.owner.auth)
    # Then it is a 400 that names the field, and the events table is untouched
    assert reply.status == 400, reply.body
    assert reply.json["code"] == "invalid_input"
    assert field in reply.json["message"]
    assert events_items(events_store) == []


BAD_RAW: list[tuple[str, str, dict[str, str] | None, int]] = [
    ("malformed JSON", '{"EventType": ', None, 400),
    ("an array", "[]", None, 400),
    ("a string", '"event"', None, 400),
    ("empty body", "", None, 400),
    ("NaN in the data", json.dumps(event_body(PublisherEventData={"score": float("nan")})), None, 400),
    ("not JSON at all", "<event/>", {"Content-Type": "application/xml"}, 400),
]


@pytest.mark.parametrize(
    ("raw", "headers", "status"), [(r, h, s) for _, r, h, s in BAD_RAW], ids=[c[0] for c in BAD_RAW]
)
def test_unusable_bodies_are_4xx_and_nothing_is_written(
    hub: Hub,
    world: World,
    events_store: dict[str, str],
    raw: str,
    headers: dict[str, str] | None,
    status: int,
) -> None:
    reply = hub.publish(None, world.owner.auth, raw=raw, headers=headers)
    assert reply.status == status, reply.body
    assert events_items(events_store) == []


def test_event_data_over_256_kib_is_413_naming_the_field_and_the_limit_itself_fits(
    hub: Hub, world: World, events_store: dict[str, str]
) -> None:
    # Given data whose compact JSON is exactly 256 KiB, and one byte more
    at_limit = {"blob": "a" * (256 * 1024 - len('{"blob":""}'))}
    over = {"blob": at_limit["blob"] + "a"}
    # When each is published
    too_big = hub.publish(event_body(PublisherEventData=over), world.owner.auth)
    # Then the larger one is refused with 413 and nothing is written
    assert too_big.status == 413, too_big.body
    assert "PublisherEventData" in too_big.json["message"]
    assert events_items(events_store) == []
    # And the one at the limit is stored whole
    event_id = hub.published(world.owner.auth, PublisherEventData=at_limit)
    assert hub.get(event_id, world.owner.auth).json["PublisherEventData"] == at_limit


# ------------------------------------------------------------------ authorization
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 201),
        ("publisher_only", 201),
        ("subscriber", 403),
        ("outsider", 403),
        ("other_program_owner", 403),
        ("revoked", 401),
        ("wrong_secret", 401),
        ("no_credentials", 401),
    ],
)
@pytest.mark.parametrize("alias", [False, True], ids=["/events", "/api/events"])
def test_who_may_publish(
    hub: Hub, world: World, events_store: dict[str, str], who: str, status: int, alias: bool
) -> None:
    reply = hub.publish(event_body(), auth_of(world, who), alias=alias)
    assert reply.status == status, reply.body
    if status == 401:
        assert reply.headers.get("WWW-Authenticate", "").startswith("Basic")
    if status != 201:
        assert events_items(events_store) == []


def test_publishing_to_an_unknown_program_is_403(hub: Hub, world: World) -> None:
    # An account-wide publish key does not reach a program that does not exist
    reply = hub.publish(event_body(PublisherProgramId="NOPE"), world.outsider.auth)
    assert reply.status == 403, reply.body
