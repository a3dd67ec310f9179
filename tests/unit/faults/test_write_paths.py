"""Every HTTP write path under DynamoDB/SQS faults: transient ones are retried to success; a
persistent one at any call of the request is a clean 503 in the dialect's shape, with Retry-After,
and leaves every table (and queue) exactly as it was; the same request then succeeds once."""

from __future__ import annotations

import pytest
from faults_support import Stack
from injector import (
    CONNECTION,
    INTERNAL,
    LOST_ANSWER,
    THROTTLED,
    THROTTLING,
    TRANSACTION_THROTTLED,
    Fault,
    every,
    nth_call,
)
from paths import WRITE_PATHS, WritePath, assert_clean_503, changed, snapshot, without

_IDS = [p.name for p in WRITE_PATHS]


# Each path meets one kind of transient fault (the kinds rotate over the paths): botocore's
# standard retry mode treats them alike, and one stack per case is what costs time.
_TRANSIENT = [(path, (THROTTLED, INTERNAL, CONNECTION)[i % 3]) for i, path in enumerate(WRITE_PATHS)]


@pytest.mark.parametrize(("path", "fault"), _TRANSIENT, ids=[f"{p.name}-{f.name}" for p, f in _TRANSIENT])
def test_transient_faults_on_every_call_are_retried_to_success(
    shared_stack: Stack, path: WritePath, fault: Fault
) -> None:
    # Given a request whose every AWS call fails its first two attempts
    stack = shared_stack
    context = path.prepare(stack)
    with stack.injector.failing(fault, every(), attempts=2) as calls:
        # When it is sent
        reply = path.act(stack, context)
    # Then botocore's retries absorb the faults and the request succeeds
    assert 200 <= reply.status < 300, f"{reply.status} {reply.body}"
    assert calls and all(c.failed == 2 and c.attempts == 3 for c in calls), calls


@pytest.mark.parametrize("path", WRITE_PATHS, ids=_IDS)
@pytest.mark.parametrize("fault", [THROTTLING, TRANSACTION_THROTTLED], ids=lambda f: f.name)
def test_a_persistent_fault_at_any_call_is_a_clean_503_with_nothing_written(
    shared_stack: Stack, path: WritePath, fault: Fault
) -> None:
    stack = shared_stack
    context = path.prepare(stack)
    before = snapshot(stack)
    injected = 0
    for n in range(1, 40):
        # Given the n-th AWS call of the request fails on every attempt
        with stack.injector.failing(fault, nth_call(n)) as calls:
            # When the request is sent
            reply = path.act(stack, context)
        if not any(c.failed for c in calls):
            break  # the request makes fewer such calls: every one has been failed once
        injected += 1
        # Then it is a clean 503 in its dialect and no table or queue changed
        assert_clean_503(path, reply)
        after = snapshot(stack)
        failed = next(c.operation for c in calls if c.failed)
        assert without(after, path.may_leave) == without(before, path.may_leave), (
            f"a failed {failed} left {changed(before, after)}"
        )
    # And the same request succeeds once the dependency recovers, converging to one result
    assert injected >= 1 or fault.operations is not None  # a path without transactions: none to fail
    assert 200 <= reply.status < 300, f"{reply.status} {reply.body}"
    path.converged(stack, context)


@pytest.mark.parametrize("path", WRITE_PATHS, ids=_IDS)
def test_a_write_whose_answer_was_lost_is_retried_without_a_false_error(
    shared_stack: Stack, path: WritePath
) -> None:
    # Given every single-item write of the request happens but its first answer is lost (a timeout)
    stack = shared_stack
    context = path.prepare(stack)
    with stack.injector.failing(LOST_ANSWER, every(), attempts=1) as calls:
        # When it is sent (botocore retries each such write once more)
        reply = path.act(stack, context)
    # Then the retry meeting its own first attempt is not mistaken for a conflict or a collision
    assert 200 <= reply.status < 300, f"{reply.status} {reply.body}"
    path.converged(stack, context)
    # And every transaction carries a ClientRequestToken, which makes DynamoDB answer such a retry
    # with the first attempt's success (moto does not emulate that, so it is checked here)
    transactions = [c for c in calls if c.operation == "TransactWriteItems"]
    assert all(b'"ClientRequestToken"' in c.body for c in transactions)
