"""Transitions become events in the account's hub web-tracking program: exactly one per transition,
committed with the state (never one without the other), and none for a re-sent push."""

from __future__ import annotations

from typing import Any

import pytest
from wt_support import World, hub_events, progress_items, push

from trackhub.errors import DependencyUnavailable
from trackhub.events import repository as events_repository
from trackhub.webtracking import repository
from trackhub.webtracking.models import Progress


def _types(tables: dict[str, str]) -> list[str]:
    return [e["EventType"] for e in hub_events(tables)]


def test_one_event_per_transition_and_none_for_retries_or_plain_progress(
    world: World, hub_tables: dict[str, str]
) -> None:
    token = world.demo.web_token

    def send(**fields: Any) -> None:
        reply = push(world.platform, {"webToken": token, **fields})
        assert reply.status == 200, reply.body

    # A message alone does not start the activity
    send(message="opened")
    assert _types(hub_tables) == []
    # The first progress starts it; the same push re-sent (a network retry) emits nothing more
    send(progress=10)
    send(progress=10)
    assert _types(hub_tables) == ["AI_STARTED"]
    # More progress is state only
    send(progress=60, message="more")
    assert _types(hub_tables) == ["AI_STARTED"]
    # Completion, and its retry
    send(complete=1, progress=100)
    send(complete=1, progress=100)
    assert _types(hub_tables) == ["AI_STARTED", "AI_COMP_SUCCESS"]
    # Re-opening, its retry, then completing again
    send(complete=0)
    send(complete=0)
    send(complete=1)
    assert _types(hub_tables) == ["AI_STARTED", "AI_COMP_SUCCESS", "AI_REOPENED", "AI_COMP_SUCCESS"]


def test_the_event_names_pathway_activity_and_user(world: World, hub_tables: dict[str, str]) -> None:
    demo = world.demo
    push(world.platform, {"webToken": demo.web_token, "progress": 100, "complete": 1, "message": "done"})
    started, completed = hub_events(hub_tables)
    assert (started["EventType"], completed["EventType"]) == ("AI_STARTED", "AI_COMP_SUCCESS")
    assert completed["PublisherProgramId"] == "acme-webtracking"
    assert completed["PublisherParticipantId"] == demo.email
    assert completed["EventId"].startswith("acme-webtracking-")
    assert completed["PublisherEventId"] == f"WT:{demo.pathway_id}:{demo.activity_id}:{demo.user_id}:2"
    assert completed["PublisherEventData"] == {
        "pathway": {"ID": demo.pathway_id, "name": "Onboarding"},
        "activity": {"ID": "course-42", "name": "Activity course-42"},
        "user": {"userId": demo.user_id, "email": demo.email},
        "progress": 100,
        "complete": 1,
        "message": "done",
    }
    # The started event carries the state committed with it: progress recorded, not yet complete
    assert started["PublisherEventData"]["complete"] == 0
    (item,) = progress_items(hub_tables)
    assert (int(item["version"]), int(item["complete"]), item["started"]) == (2, 1, True)


def test_a_failed_event_write_leaves_the_state_untouched(
    world: World, hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an event store whose transaction fails (the state change rides in that transaction)
    def unavailable(*_: Any, **__: Any) -> None:
        raise DependencyUnavailable("the events table is temporarily unavailable; retry later")

    monkeypatch.setattr(events_repository, "commit_new_events", unavailable)
    # When a push would start the activity
    reply = push(world.platform, {"webToken": world.demo.web_token, "progress": 50})
    # Then the caller is told to retry, and neither the state nor an event exists
    assert reply.status == 503 and reply.json["status"] == "error"
    assert progress_items(hub_tables) == [] and hub_events(hub_tables) == []


def test_a_push_that_loses_a_race_re_reads_and_emits_each_transition_once(
    world: World, hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another push that completes the activity between this push's read and its write
    demo = world.demo
    real_get = repository.get_progress
    raced = []

    def get_then_race(*args: Any) -> Progress:
        state = real_get(*args)
        if not raced:
            raced.append(True)
            other = push(world.platform, {"webToken": demo.web_token, "progress": 100, "complete": 1})
            assert other.status == 200
        return state

    monkeypatch.setattr(repository, "get_progress", get_then_race)
    # When this push (also completing) commits on the stale version
    reply = push(world.platform, {"webToken": demo.web_token, "progress": 100, "complete": 1})
    # Then it retries on the fresh state, finds nothing left to do, and no transition is doubled
    assert reply.status == 200 and reply.json["data"] == {"pushed": True, "progress": 100.0, "complete": 1}
    assert _types(hub_tables) == ["AI_STARTED", "AI_COMP_SUCCESS"]
    (item,) = progress_items(hub_tables)
    assert int(item["version"]) == 2


def test_a_push_that_starts_and_completes_commits_both_transitions_or_neither(
    world: World, hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an event store that is down, and a push that would start and complete the activity
    real_commit = events_repository.commit_new_events
    commits: list[list[str]] = []

    def down(events: Any, *args: Any) -> None:
        raise DependencyUnavailable("the events table is temporarily unavailable; retry later")

    monkeypatch.setattr(events_repository, "commit_new_events", down)
    body = {"webToken": world.demo.web_token, "progress": 100, "complete": 1}
    # When it is pushed
    assert push(world.platform, body).status == 503
    # Then nothing of it is stored: no progress, no event
    assert progress_items(hub_tables) == [] and _types(hub_tables) == []

    # When the platform retries once the store is back
    def recorded(events: Any, *args: Any) -> None:
        commits.append([e.event_type for e in events])
        real_commit(events, *args)

    monkeypatch.setattr(events_repository, "commit_new_events", recorded)
    assert push(world.platform, body).json["data"] == {"pushed": True, "progress": 100.0, "complete": 1}
    # Then both transitions and the final state committed in one transaction, each event once
    assert commits == [["AI_STARTED", "AI_COMP_SUCCESS"]]
    assert _types(hub_tables) == ["AI_STARTED", "AI_COMP_SUCCESS"]
    (item,) = progress_items(hub_tables)
    assert (int(item["version"]), int(item["complete"]), item["started"]) == (2, 1, True)
