"""The xAPI Document, Activities and Agents resources over HTTP, driven by a real xAPI client from
PyPI (`tincan`) where it has methods for them: state, activity profile and agent profile documents,
concurrency (409/412 with ETags), merge, and the Activity / Person lookups."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from hubtest.http import HttpReply, call
from hubtest.localhub import Hub
from tincan import Activity, Agent, RemoteLRS, Statement, Verb
from tincan.documents import ActivityProfileDocument, StateDocument

pytestmark = pytest.mark.integration

VERSION = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture(scope="module")
def lrs(hub: Hub) -> RemoteLRS:
    user, key = hub.creds("apiKey")
    return RemoteLRS(version="1.0.1", endpoint=f"{hub.url}/xapi/", username=user, password=key)


def raw(hub: Hub, method: str, path: str, query: dict[str, str], **kwargs: object) -> HttpReply:
    headers = {**VERSION, **dict(kwargs.pop("headers", {}) or {})}  # type: ignore[call-overload]
    url = f"{hub.url}/xapi/{path}?{urlencode(query)}"
    return call(method, url, auth=hub.creds("apiKey"), headers=headers, **kwargs)  # type: ignore[arg-type]


def test_state_documents_through_the_client(lrs: RemoteLRS) -> None:
    # Given a learner's bookmark saved as a state document by the client
    activity = Activity(id=f"http://example.com/docs/{uuid.uuid4().hex}")
    agent = Agent(mbox="mailto:learner@example.com")
    saved = lrs.save_state(
        StateDocument(
            id="bookmark", activity=activity, agent=agent, content="page=7", content_type="text/plain"
        )
    )
    assert saved.success, (saved.response.status, saved.data)
    # When the client reads it and lists the activity's states
    got = lrs.retrieve_state(activity, agent, "bookmark")
    ids = lrs.retrieve_state_ids(activity, agent)
    # Then the content as saved, and its id listed
    assert got.success, (got.response.status, got.data)
    assert got.content.content in ("page=7", b"page=7"), got.content.content
    assert ids.success, (ids.response.status, ids.data)
    assert ids.success and ids.content == ["bookmark"]
    # And after the client clears the activity's states there is none
    assert lrs.clear_state(activity, agent).success
    assert lrs.retrieve_state_ids(activity, agent).content == []


def test_profile_concurrency_and_merge_over_http(lrs: RemoteLRS, hub: Hub) -> None:
    # Given a new activity profile, created with If-None-Match: * (xAPI 3.1: a profile PUT needs a
    # concurrency header; tincan sends If-Match only, so it cannot create one)
    activity = Activity(id=f"http://example.com/docs/{uuid.uuid4().hex}")
    query = {"activityId": activity.id, "profileId": "settings"}
    new = {"If-None-Match": "*"}
    assert raw(hub, "PUT", "activities/profile", query, json_body={"level": 1}, headers=new).status == 204
    # When the client saves it without an ETag, then with the current one, then with a stale one
    profile = ActivityProfileDocument(
        id="settings", activity=activity, content=json.dumps({"level": 2}), content_type="application/json"
    )
    blind = lrs.save_activity_profile(profile)
    etag = raw(hub, "GET", "activities/profile", query).header("ETag")
    assert etag
    profile.etag = etag
    replaced = lrs.save_activity_profile(profile)
    stale = lrs.save_activity_profile(profile)
    # Then 409 (no header over an existing profile), 204, 412
    statuses = (blind.response.status, replaced.response.status, stale.response.status)
    assert statuses == (409, 204, 412)
    # And a POST merges into the JSON document
    assert raw(hub, "POST", "activities/profile", query, json_body={"theme": "dark"}).status == 204
    assert lrs.retrieve_activity_profile(activity, "settings").content.content in (
        '{"level":2,"theme":"dark"}',
        b'{"level":2,"theme":"dark"}',
    )


def test_agent_profile_and_the_person_of_the_agent(lrs: RemoteLRS, hub: Hub) -> None:
    # Given an agent profile and a statement by that agent
    agent = Agent(name="Doc Learner", mbox=f"mailto:{uuid.uuid4().hex}@example.com")
    query = {"agent": json.dumps({"mbox": agent.mbox}), "profileId": "prefs"}
    assert (
        raw(hub, "PUT", "agents/profile", query, json_body={}, headers={"If-None-Match": "*"}).status == 204
    )
    activity_id = f"http://example.com/docs/{uuid.uuid4().hex}"
    sent = Activity(id=activity_id, definition={"name": {"en-US": "Docs"}})
    assert lrs.save_statement(
        Statement(actor=agent, verb=Verb(id="http://adlnet.gov/expapi/verbs/attempted"), object=sent)
    ).success
    # When the profile ids, the Activity and the Person are read
    ids = lrs.retrieve_agent_profile_ids(agent)
    activity = raw(hub, "GET", "activities", {"activityId": activity_id})
    person = raw(hub, "GET", "agents", {"agent": json.dumps({"mbox": agent.mbox})})
    head = raw(hub, "HEAD", "agents", {"agent": json.dumps({"mbox": agent.mbox})})
    # Then the profile is listed, the activity has its definition, the person its name and mbox
    assert ids.success and ids.content == ["prefs"]
    assert activity.status == 200 and activity.json["definition"] == {"name": {"en-US": "Docs"}}
    assert person.json == {"objectType": "Person", "name": ["Doc Learner"], "mbox": [agent.mbox]}
    assert (head.status, head.body) == (200, b"")
