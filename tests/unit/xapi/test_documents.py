"""The xAPI Document resources over their functions (moto): State, Activity Profile, Agent Profile -
PUT/POST/GET/HEAD/DELETE, ETags and concurrency (412/409), JSON merge, `since`, DELETE-all, the
parameter rules (400 naming the parameter), 404s, size and account isolation."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hubtest.apigw import api_event, basic
from hubtest.functions import Reply, invoke

from trackhub.config import reset_settings
from trackhub.tenancy import service as tenancy
from trackhub.xapi import document_store, documents

VERSION = {"X-Experience-API-Version": "1.0.3"}
ACTIVITY = "http://example.com/activities/course-1"
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:alice@example.com"})
PATHS = {
    "state": "/xapi/activities/state",
    "activity_profile": "/xapi/activities/profile",
    "agent_profile": "/xapi/agents/profile",
}
SCOPES = {
    "state": {"activityId": ACTIVITY, "agent": AGENT},
    "activity_profile": {"activityId": ACTIVITY},
    "agent_profile": {"agent": AGENT},
}
NEW = {"If-None-Match": "*"}  # a new profile document: xAPI 3.1 wants the header on PUT
ID_PARAMETER = {"state": "stateId", "activity_profile": "profileId", "agent_profile": "profileId"}


@dataclass(frozen=True)
class Lrs:
    key: tuple[str, str]

    def call(
        self,
        resource: str,
        method: str,
        *,
        body: Any = None,
        raw: str | bytes | None = None,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
        version: bool = True,
        **query: str,
    ) -> Reply:
        sent = {"Authorization": basic(*self.key), **(VERSION if version else {}), **(headers or {})}
        event = api_event(method, PATHS[resource], body=body, raw_body=raw, headers=sent, query=query or None)
        if content_type is None or (body is None and raw is None):
            event["headers"].pop("Content-Type", None)
            event["multiValueHeaders"].pop("Content-Type", None)
        elif content_type != "application/json":
            event["headers"]["Content-Type"] = content_type
            event["multiValueHeaders"]["Content-Type"] = [content_type]
        function = f"xapi_{resource}_{'get' if method == 'HEAD' else method.lower()}"
        return invoke(function, event)

    def doc(self, resource: str, method: str, document_id: str | None = None, **kwargs: Any) -> Reply:
        query = dict(SCOPES[resource])
        if document_id is not None:
            query[ID_PARAMETER[resource]] = document_id
        extra = {k: kwargs.pop(k) for k in list(kwargs) if k in ("registration", "since")}
        return self.call(resource, method, **query, **extra, **kwargs)


def new_key(account: str) -> tuple[str, str]:
    key, secret = tenancy.create_key(account, ["collector"], "lrs client")
    return key.user_id, secret


@pytest.fixture
def lrs(hub_tables: dict[str, str]) -> Iterator[Lrs]:
    reset_settings()
    tenancy.create_account("Acme Learning", "acme")
    yield Lrs(new_key("acme"))


def sha1_etag(content: bytes) -> str:
    return '"' + hashlib.sha1(content, usedforsecurity=False).hexdigest() + '"'


ALL = pytest.mark.parametrize("resource", list(PATHS))


# ------------------------------------------------------------------ store and read
@ALL
def test_put_then_get_returns_the_document_verbatim_with_its_etag(lrs: Lrs, resource: str) -> None:
    # Given a JSON document PUT under an id
    raw = '{"page": 3,  "note": "été"}'
    assert lrs.doc(resource, "PUT", "d1", raw=raw, headers={"If-None-Match": "*"}).status == 204
    # When it is read
    reply = lrs.doc(resource, "GET", "d1")
    # Then it comes back byte for byte, with its Content-Type, a quoted SHA-1 ETag and Last-Modified
    assert reply.status == 200
    assert reply.body == raw
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["ETag"] == sha1_etag(raw.encode())
    assert reply.headers["Last-Modified"].endswith("GMT")
    assert reply.headers["X-Experience-API-Version"] == "1.0.3"


@ALL
def test_head_answers_like_get_without_a_body(lrs: Lrs, resource: str) -> None:
    # Given a stored document
    lrs.doc(resource, "POST", "d1", body={"a": 1})
    # When HEAD asks for it and for the list
    one, listing = lrs.doc(resource, "HEAD", "d1"), lrs.doc(resource, "HEAD")
    # Then 200 with the GET's headers and no body
    assert (one.status, one.body, listing.status, listing.body) == (200, "", 200, "")
    assert one.headers["ETag"] == lrs.doc(resource, "GET", "d1").headers["ETag"]


@ALL
def test_any_content_type_is_stored_and_returned_as_sent(lrs: Lrs, resource: str) -> None:
    # Given a plain-text document, a document without a Content-Type and a binary one
    lrs.doc(
        resource, "PUT", "text", raw="not json at all", content_type="text/plain; charset=utf-8", headers=NEW
    )
    lrs.doc(resource, "PUT", "untyped", raw="bare words", content_type=None, headers=NEW)
    blob = bytes(range(256))
    lrs.doc(resource, "PUT", "blob", raw=blob, content_type="image/png", headers=NEW)
    # When they are read
    text, untyped, binary = (lrs.doc(resource, "GET", i) for i in ("text", "untyped", "blob"))
    # Then each keeps its content and type (octet-stream when none was sent)
    assert (text.body, text.headers["Content-Type"]) == ("not json at all", "text/plain; charset=utf-8")
    assert (untyped.body, untyped.headers["Content-Type"]) == ("bare words", "application/octet-stream")
    assert binary.headers["Content-Type"] == "image/png"
    import base64

    assert base64.b64decode(binary.body) == blob


@ALL
def test_get_of_a_missing_document_is_404(lrs: Lrs, resource: str) -> None:
    reply = lrs.doc(resource, "GET", "nothing-here")
    assert reply.status == 404
    assert ID_PARAMETER[resource] in reply.json["message"]


# ------------------------------------------------------------------ lists and since
@ALL
def test_get_without_an_id_lists_the_ids_of_the_scope_only(lrs: Lrs, resource: str) -> None:
    # Given two documents in the scope and one in another scope
    lrs.doc(resource, "POST", "a", body={"x": 1})
    lrs.doc(resource, "POST", "b", body={"x": 2})
    other = {
        k: (v.replace("course-1", "course-2").replace("alice", "bob")) for k, v in SCOPES[resource].items()
    }
    lrs.call(resource, "POST", body={"x": 3}, **other, **{ID_PARAMETER[resource]: "c"})
    # When the ids are listed
    reply = lrs.doc(resource, "GET")
    # Then the scope's ids only, as a JSON array
    assert reply.status == 200 and sorted(reply.json) == ["a", "b"]


@ALL
def test_since_lists_only_documents_updated_after_it(lrs: Lrs, resource: str) -> None:
    # Given a document, then a moment, then another document
    lrs.doc(resource, "POST", "old", body={"x": 1})
    time.sleep(0.01)
    middle = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    lrs.doc(resource, "POST", "new", body={"x": 2})
    # When listed since the moment between them
    reply = lrs.doc(resource, "GET", since=middle)
    # Then only the newer one (exclusive); a later `since` lists none
    assert reply.json == ["new"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert lrs.doc(resource, "GET", since=later).json == []


@ALL
def test_since_must_be_a_timestamp_and_only_for_lists(lrs: Lrs, resource: str) -> None:
    bad = lrs.doc(resource, "GET", since="yesterday")
    with_id = lrs.doc(resource, "GET", "d1", since="2026-01-01T00:00:00Z")
    assert (bad.status, with_id.status) == (400, 400)
    assert bad.json["message"].startswith("since:") and with_id.json["message"].startswith("since:")


# ------------------------------------------------------------------ merge
@ALL
def test_post_merges_top_level_keys_into_the_stored_json_object(lrs: Lrs, resource: str) -> None:
    # Given a stored JSON object
    lrs.doc(resource, "POST", "d1", body={"a": 1, "nested": {"x": 1, "y": 2}})
    # When another object is POSTed
    assert lrs.doc(resource, "POST", "d1", body={"b": 2, "nested": {"z": 3}}).status == 204
    # Then top-level keys are merged; a posted key replaces the stored value whole
    assert lrs.doc(resource, "GET", "d1").json == {"a": 1, "b": 2, "nested": {"z": 3}}


@ALL
def test_post_of_a_new_document_stores_it_as_a_put_would(lrs: Lrs, resource: str) -> None:
    assert lrs.doc(resource, "POST", "fresh", raw="plain", content_type="text/plain").status == 204
    assert lrs.doc(resource, "GET", "fresh").body == "plain"


@ALL
def test_post_merge_needs_json_objects_on_both_sides(lrs: Lrs, resource: str) -> None:
    # Given a stored JSON document and a stored text document
    lrs.doc(resource, "PUT", "json", body={"a": 1}, headers=NEW)
    lrs.doc(resource, "PUT", "text", raw="abc", content_type="text/plain", headers=NEW)
    # When a non-JSON document is posted to the JSON one, JSON to the text one, or a JSON array
    not_json = lrs.doc(resource, "POST", "json", raw="abcdefg", content_type="not/json")
    into_text = lrs.doc(resource, "POST", "text", body={"b": 2})
    array = lrs.doc(resource, "POST", "json", body=[1, 2])
    # Then 400 each, naming what is wrong, and nothing changed
    assert (not_json.status, into_text.status, array.status) == (400, 400, 400)
    assert not_json.json["message"].startswith("Content-Type:")
    assert into_text.json["message"].startswith("body:") and array.json["message"].startswith("body:")
    assert lrs.doc(resource, "GET", "json").json == {"a": 1}
    assert lrs.doc(resource, "GET", "text").body == "abc"


# ------------------------------------------------------------------ concurrency
@ALL
def test_if_match_with_the_current_etag_replaces_and_a_stale_one_is_412(lrs: Lrs, resource: str) -> None:
    # Given a stored document and its ETag
    lrs.doc(resource, "PUT", "d1", body={"v": 1}, headers=NEW)
    etag = lrs.doc(resource, "GET", "d1").headers["ETag"]
    # When it is replaced with If-Match on that ETag, then again with the same (now stale) ETag
    first = lrs.doc(resource, "PUT", "d1", body={"v": 2}, headers={"If-Match": etag})
    stale = lrs.doc(resource, "PUT", "d1", body={"v": 3}, headers={"If-Match": etag})
    stale_post = lrs.doc(resource, "POST", "d1", body={"w": 3}, headers={"If-Match": etag})
    # Then the first is stored, the stale ones are 412 and change nothing
    assert (first.status, stale.status, stale_post.status) == (204, 412, 412)
    assert lrs.doc(resource, "GET", "d1").json == {"v": 2}


@ALL
def test_if_none_match_star_refuses_an_existing_document(lrs: Lrs, resource: str) -> None:
    create = lrs.doc(resource, "PUT", "d1", body={"v": 1}, headers={"If-None-Match": "*"})
    again = lrs.doc(resource, "PUT", "d1", body={"v": 2}, headers={"If-None-Match": "*"})
    assert (create.status, again.status) == (204, 412)
    assert lrs.doc(resource, "GET", "d1").json == {"v": 1}


@ALL
def test_if_match_on_a_missing_document_is_412(lrs: Lrs, resource: str) -> None:
    reply = lrs.doc(resource, "PUT", "d1", body={"v": 1}, headers={"If-Match": '"abc"'})
    assert reply.status == 412 and reply.json["message"].startswith("If-Match:")
    assert lrs.doc(resource, "GET", "d1").status == 404


@pytest.mark.parametrize("resource", ["activity_profile", "agent_profile"])
def test_profile_put_over_an_existing_document_without_a_header_is_409(lrs: Lrs, resource: str) -> None:
    # Given an existing profile document
    lrs.doc(resource, "PUT", "d1", body={"v": 1}, headers=NEW)
    # When it is PUT again with neither If-Match nor If-None-Match
    reply = lrs.doc(resource, "PUT", "d1", body={"v": 2})
    # Then 409 (xAPI Communication 3.1), the document unchanged; If-Match: * replaces it
    assert reply.status == 409 and reply.json["message"].startswith("If-Match:")
    assert lrs.doc(resource, "GET", "d1").json == {"v": 1}
    assert lrs.doc(resource, "PUT", "d1", body={"v": 2}, headers={"If-Match": "*"}).status == 204


@pytest.mark.parametrize("resource", ["activity_profile", "agent_profile"])
def test_profile_put_of_a_new_document_without_a_header_is_400(lrs: Lrs, resource: str) -> None:
    # xAPI 3.1: the client MUST send If-Match or If-None-Match on a profile PUT (the ADL suite: 400)
    reply = lrs.doc(resource, "PUT", "new", body={"v": 1})
    assert reply.status == 400 and reply.json["message"].startswith("If-None-Match:")
    assert lrs.doc(resource, "GET", "new").status == 404


def test_state_put_over_an_existing_document_needs_no_header(lrs: Lrs) -> None:
    lrs.doc("state", "PUT", "d1", body={"v": 1})
    assert lrs.doc("state", "PUT", "d1", body={"v": 2}).status == 204
    assert lrs.doc("state", "GET", "d1").json == {"v": 2}


def test_a_write_racing_between_read_and_write_is_merged_not_lost(
    lrs: Lrs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stored state, and another writer that merges a key right after this request's read
    lrs.doc("state", "PUT", "d1", body={"a": 1})
    real_get = document_store.get
    raced = []

    def get_then_race(scope: document_store.Scope, document_id: str) -> Any:
        current = real_get(scope, document_id)
        if not raced:
            raced.append(True)
            assert current is not None
            body = json.dumps({**json.loads(current.content), "other": True}).encode()
            document = document_store.Document(
                document_id, body, "application/json", documents.etag_of(body), current.updated
            )
            document_store.put(scope, document, expected_etag=current.etag)
        return current

    monkeypatch.setattr(document_store, "get", get_then_race)
    # When this request POSTs its own key
    reply = lrs.doc("state", "POST", "d1", body={"mine": 2})
    # Then the conditional write failed once, was decided again on the new version: nothing lost
    assert reply.status == 204 and raced
    monkeypatch.setattr(document_store, "get", real_get)
    assert lrs.doc("state", "GET", "d1").json == {"a": 1, "other": True, "mine": 2}


def test_an_if_match_request_racing_another_writer_is_412(lrs: Lrs, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stored profile, its ETag, and a writer replacing it right after this request's read
    lrs.doc("activity_profile", "PUT", "d1", body={"v": 1}, headers=NEW)
    etag = lrs.doc("activity_profile", "GET", "d1").headers["ETag"]
    real_put = document_store.put
    calls: list[int] = []

    def racing_put(scope: document_store.Scope, document: Any, *, expected_etag: str | None) -> None:
        if not calls:
            calls.append(1)
            body = b'{"v":"theirs"}'
            theirs = document_store.Document(
                "d1", body, "application/json", documents.etag_of(body), "2026-01-01T00:00:00.000Z"
            )
            real_put(scope, theirs, expected_etag=expected_etag)
        real_put(scope, document, expected_etag=expected_etag)

    monkeypatch.setattr(document_store, "put", racing_put)
    # When this request PUTs with If-Match on the ETag it had
    reply = lrs.doc("activity_profile", "PUT", "d1", body={"v": "mine"}, headers={"If-Match": etag})
    # Then 412: the other writer's version stays
    monkeypatch.setattr(document_store, "put", real_put)
    assert reply.status == 412
    assert lrs.doc("activity_profile", "GET", "d1").json == {"v": "theirs"}


# ------------------------------------------------------------------ delete
@ALL
def test_delete_removes_one_document_and_is_idempotent(lrs: Lrs, resource: str) -> None:
    lrs.doc(resource, "PUT", "d1", body={"v": 1}, headers=NEW)
    lrs.doc(resource, "PUT", "d2", body={"v": 2}, headers=NEW)
    assert lrs.doc(resource, "DELETE", "d1").status == 204
    assert lrs.doc(resource, "GET", "d1").status == 404
    assert lrs.doc(resource, "GET").json == ["d2"]
    assert lrs.doc(resource, "DELETE", "d1").status == 204


@ALL
def test_delete_with_a_stale_if_match_is_412_and_keeps_the_document(lrs: Lrs, resource: str) -> None:
    lrs.doc(resource, "PUT", "d1", body={"v": 1}, headers=NEW)
    assert lrs.doc(resource, "DELETE", "d1", headers={"If-Match": '"0000"'}).status == 412
    etag = lrs.doc(resource, "GET", "d1").headers["ETag"]
    assert lrs.doc(resource, "DELETE", "d1", headers={"If-Match": etag}).status == 204


def test_state_delete_without_state_id_deletes_every_state_of_the_scope(lrs: Lrs) -> None:
    # Given states of the activity+agent under two registrations and none, and another agent's
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    lrs.doc("state", "PUT", "s1", body={"v": 1})
    lrs.doc("state", "PUT", "s2", body={"v": 1}, registration=first)
    lrs.doc("state", "PUT", "s3", body={"v": 1}, registration=second)
    bob = json.dumps({"mbox": "mailto:bob@example.com"})
    lrs.call("state", "PUT", body={"v": 1}, activityId=ACTIVITY, agent=bob, stateId="s1")
    # When one registration's states are deleted
    assert lrs.doc("state", "DELETE", registration=first).status == 204
    # Then only that registration's are gone
    assert sorted(lrs.doc("state", "GET").json) == ["s1", "s3"]
    # And without a registration, every state of the activity and agent goes (xAPI: "Activity +
    # Agent [+ registration if specified]"); the other agent's stays
    assert lrs.doc("state", "DELETE").status == 204
    assert lrs.doc("state", "GET").json == []
    assert lrs.call("state", "GET", activityId=ACTIVITY, agent=bob).json == ["s1"]


def test_state_ids_are_listed_per_registration_or_across_all(lrs: Lrs) -> None:
    registration = str(uuid.uuid4())
    lrs.doc("state", "PUT", "shared", body={"v": 1})
    lrs.doc("state", "PUT", "shared", body={"v": 2}, registration=registration)
    lrs.doc("state", "PUT", "only-reg", body={"v": 3}, registration=registration)
    assert sorted(lrs.doc("state", "GET", registration=registration).json) == ["only-reg", "shared"]
    assert sorted(lrs.doc("state", "GET").json) == ["only-reg", "shared"]  # each id once


@pytest.mark.parametrize("resource", ["activity_profile", "agent_profile"])
def test_profile_delete_needs_a_profile_id(lrs: Lrs, resource: str) -> None:
    reply = lrs.doc(resource, "DELETE")
    assert reply.status == 400 and reply.json["message"].startswith("profileId:")


def test_registration_is_part_of_a_state_document_identity(lrs: Lrs) -> None:
    registration = str(uuid.uuid4()).upper()
    lrs.doc("state", "PUT", "s1", body={"reg": True}, registration=registration)
    lrs.doc("state", "PUT", "s1", body={"reg": False})
    assert lrs.doc("state", "GET", "s1", registration=registration.lower()).json == {"reg": True}
    assert lrs.doc("state", "GET", "s1").json == {"reg": False}


# ------------------------------------------------------------------ parameters (400 naming them)
@pytest.mark.parametrize(
    ("resource", "method", "drop", "named"),
    [
        ("state", "PUT", "activityId", "activityId"),
        ("state", "POST", "agent", "agent"),
        ("state", "GET", "activityId", "activityId"),
        ("state", "DELETE", "agent", "agent"),
        ("state", "PUT", "stateId", "stateId"),
        ("state", "POST", "stateId", "stateId"),
        ("activity_profile", "PUT", "activityId", "activityId"),
        ("activity_profile", "GET", "activityId", "activityId"),
        ("activity_profile", "POST", "profileId", "profileId"),
        ("agent_profile", "PUT", "agent", "agent"),
        ("agent_profile", "GET", "agent", "agent"),
        ("agent_profile", "PUT", "profileId", "profileId"),
    ],
)
def test_a_missing_parameter_is_400_naming_it(
    lrs: Lrs, resource: str, method: str, drop: str, named: str
) -> None:
    query = {**SCOPES[resource], ID_PARAMETER[resource]: "d1"}
    query.pop(drop)
    body = {"v": 1} if method in ("PUT", "POST") else None
    reply = lrs.call(resource, method, body=body, **query)
    assert reply.status == 400, reply.body
    assert reply.json["message"].startswith(f"{named}:") and reply.json["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("resource", "parameter", "value", "named"),
    [
        ("state", "agent", "not json", "agent"),
        ("state", "agent", json.dumps({"name": "no ifi"}), "agent"),
        ("state", "agent", json.dumps({"mbox": "alice@example.com"}), "agent.mbox"),
        ("state", "agent", json.dumps({"objectType": "Group", "member": []}), "agent.objectType"),
        ("agent_profile", "agent", json.dumps([1]), "agent"),
        ("state", "activityId", "not an iri", "activityId"),
        ("activity_profile", "activityId", "no-colon", "activityId"),
        ("state", "registration", "not-a-uuid", "registration"),
        ("state", "stateId", "", "stateId"),
        ("state", "color", "red", "color"),
    ],
)
def test_an_invalid_parameter_is_400_naming_it(
    lrs: Lrs, resource: str, parameter: str, value: str, named: str
) -> None:
    query = {**SCOPES[resource], ID_PARAMETER[resource]: "d1", parameter: value}
    for method, body in (("PUT", {"v": 1}), ("GET", None), ("DELETE", None)):
        reply = lrs.call(resource, method, body=body, **query)
        assert reply.status == 400, (method, reply.body)
        assert reply.json["message"].startswith(f"{named}:"), reply.json["message"]
    assert lrs.doc(resource, "GET").json == []  # nothing half-written


@ALL
def test_the_version_header_is_required(lrs: Lrs, resource: str) -> None:
    reply = lrs.doc(resource, "PUT", "d1", body={"v": 1}, version=False)
    assert reply.status == 400 and "X-Experience-API-Version" in reply.json["message"]
    assert reply.headers["X-Experience-API-Version"] == "1.0.3"


@ALL
def test_a_document_over_the_document_limit_is_413(
    lrs: Lrs, resource: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAPI_DOCUMENT_MAX_BYTES", "100")
    reset_settings()
    reply = lrs.doc(resource, "PUT", "big", raw="x" * 101, content_type="text/plain", headers=NEW)
    assert reply.status == 413 and reply.json["message"].startswith("body:")
    assert (
        lrs.doc(resource, "PUT", "fits", raw="x" * 100, content_type="text/plain", headers=NEW).status == 204
    )


def test_a_merge_growing_over_the_limit_is_413_and_keeps_the_document(
    lrs: Lrs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAPI_DOCUMENT_MAX_BYTES", "60")
    reset_settings()
    lrs.doc("state", "PUT", "d1", raw=json.dumps({"a": "x" * 30}))
    reply = lrs.doc("state", "POST", "d1", raw=json.dumps({"b": "y" * 30}))
    assert reply.status == 413
    assert lrs.doc("state", "GET", "d1").json == {"a": "x" * 30}


# ------------------------------------------------------------------ scope and isolation
@ALL
def test_another_account_sees_and_changes_none_of_the_documents(lrs: Lrs, resource: str) -> None:
    # Given account A's document, and account B's key addressing the same activity, agent and id
    lrs.doc(resource, "PUT", "d1", body={"secret": "a"}, headers=NEW)
    tenancy.create_account("Outsider", "outsider")
    other = Lrs(new_key("outsider"))
    # When B reads, lists and deletes
    read, listing = other.doc(resource, "GET", "d1"), other.doc(resource, "GET")
    other.doc(resource, "DELETE", "d1")
    # Then B gets nothing and A's document stays
    assert (read.status, listing.json) == (404, [])
    assert lrs.doc(resource, "GET", "d1").json == {"secret": "a"}


def test_a_key_without_the_collector_scope_is_403(lrs: Lrs) -> None:
    key, secret = tenancy.create_key("acme", ["events:read:*"], "reader")
    reply = Lrs((key.user_id, secret)).doc("state", "GET", "d1")
    assert reply.status == 403


def test_agents_with_the_same_ifi_share_documents_whatever_else_they_say(lrs: Lrs) -> None:
    # The IFI identifies the agent: its name (or objectType) does not make another scope
    named = json.dumps({"name": "Alice A.", "mbox": "mailto:alice@example.com"})
    lrs.call("agent_profile", "PUT", body={"v": 1}, agent=named, profileId="p1", headers=NEW)
    assert lrs.doc("agent_profile", "GET", "p1").json == {"v": 1}
