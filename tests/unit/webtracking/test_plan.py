"""The push planner: which states a push moves through, and the event committed with each."""

from __future__ import annotations

from trackhub.webtracking.models import Progress, PushChange
from trackhub.webtracking.service import plan


def _events(current: Progress, change: PushChange) -> list[str | None]:
    return [event for event, _ in plan(current, change)]


def test_nothing_to_do_when_the_state_already_matches() -> None:
    stored = Progress(progress=40, complete=1, message="m", data="{}", started=True, version=3)
    assert plan(stored, PushChange(progress=40, complete=1)) == []
    assert plan(stored, PushChange(message="m", data="{}")) == []


def test_start_then_complete_in_two_steps_each_with_its_own_version() -> None:
    steps = plan(Progress(), PushChange(progress=100, complete=1))
    assert [(e, s.complete, s.started, s.version) for e, s in steps] == [
        ("AI_STARTED", 0, True, 1),
        ("AI_COMP_SUCCESS", 1, True, 2),
    ]
    assert steps[-1][1].progress == 100


def test_changes_without_a_transition_are_one_plain_step() -> None:
    stored = Progress(progress=10, started=True, version=1)
    (step,) = plan(stored, PushChange(progress=20, message="x"))
    assert step[0] is None and (step[1].progress, step[1].message, step[1].version) == (20, "x", 2)


def test_a_message_or_zero_progress_does_not_start_but_reopening_is_an_event() -> None:
    assert _events(Progress(), PushChange(message="hello")) == [None]
    assert _events(Progress(), PushChange(progress=0, data="[]")) == [None]
    done = Progress(progress=100, complete=1, started=True, version=2)
    assert _events(done, PushChange(complete=0)) == ["AI_REOPENED"]
    # Once started, never again: re-completing after a reopen is only a completion
    reopened = done._replace(complete=0, version=3)
    assert _events(reopened, PushChange(complete=1)) == ["AI_COMP_SUCCESS"]
