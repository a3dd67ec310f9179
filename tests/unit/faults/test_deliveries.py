"""Webhook deliveries under faults: fan-out and outbox records that fail are offered again, a worker
that fails or crashes mid-batch loses nothing it acknowledged, and a redrive cannot strand a delivery.
"""

from __future__ import annotations

from typing import Any

import pytest
from faults_support import Stack
from hubtest.functions import Reply
from injector import SQS_UNAVAILABLE, THROTTLED, TRANSACTION_THROTTLED, every
from paths import WRITE_PATHS, assert_clean_503
from pipeline import Pipeline

from trackhub.webhooks import dispatch, repository
from trackhub.webhooks.models import DeliveryStatus


def _path(name: str) -> Any:
    return next(p for p in WRITE_PATHS if p.name == name)


def _publish(stack: Stack) -> Reply:
    reply: Reply = _path("events publish").act(stack, None)
    assert reply.status == 201, reply.body
    return reply


def _deliveries(stack: Stack) -> list[Any]:
    return repository.deliveries_of(stack.webhook_id, 100)


@pytest.fixture
def pipeline(stack: Stack) -> Pipeline:
    return Pipeline(stack)


def test_fan_out_with_the_queue_down_is_offered_again_and_delivered_once(
    stack: Stack, pipeline: Pipeline
) -> None:
    # Given a published event and a delivery queue that refuses every SendMessage
    _publish(stack)
    with stack.injector.failing(SQS_UNAVAILABLE, every("SendMessage")) as calls:
        # When the fan-out runs over the stream
        failed = pipeline.fan_out()
    # Then the record is reported failed (the mapping offers it again) and the delivery waits unqueued
    assert len(failed) == 1 and any(c.failed for c in calls)
    (waiting,) = _deliveries(stack)
    assert waiting.status is DeliveryStatus.PENDING and not waiting.enqueued
    assert pipeline.messages() == []
    # When the queue recovers and the record is processed again, then delivered
    assert pipeline.fan_out() == []
    pipeline.drain()
    # Then the receiver got the event exactly once and the delivery is delivered
    assert len(stack.receiver.wait_for(1)) == 1
    (delivered,) = _deliveries(stack)
    assert delivered.status is DeliveryStatus.DELIVERED and delivered.attempts == 1


def test_fan_out_dying_after_send_queues_a_copy_the_worker_absorbs(stack: Stack, pipeline: Pipeline) -> None:
    # Given the fan-out's mark-enqueued write fails after its message was sent
    _publish(stack)
    with stack.injector.failing(THROTTLED, every("UpdateItem")):
        failed = pipeline.fan_out()
    assert len(failed) == 1
    # When the record is processed again (a second message) and the worker drains the queue
    assert pipeline.fan_out() == []
    assert len(pipeline.messages()) == 2
    pipeline.drain()
    # Then the receiver is called once and the success metered once
    assert len(stack.receiver.wait_for(1, timeout=0.5)) == 1
    (delivered,) = _deliveries(stack)
    assert delivered.status is DeliveryStatus.DELIVERED and len(delivered.history) == 1
    assert repository.usage(stack.account_id, "2000-01-01", "2999-12-31")[0][1] == 1


def test_outbox_with_the_queue_down_retries_the_render_call(stack: Stack, pipeline: Pipeline) -> None:
    # Given a rendered call and a delivery queue that refuses every SendMessage
    reply = _path("webhook render").act(stack, None)
    assert reply.status == 200 and reply.json["queued"] == 1
    with stack.injector.failing(SQS_UNAVAILABLE, every("SendMessage")):
        assert len(pipeline.outbox()) == 1  # the stream record is offered again
    # When the queue recovers
    assert pipeline.outbox() == []
    pipeline.drain()
    # Then the call reached the receiver once
    assert [r.path for r in stack.receiver.wait_for(1)] == ["/render"]


def _three_queued(stack: Stack, pipeline: Pipeline) -> list[str]:
    for _ in range(3):
        _publish(stack)
    assert pipeline.fan_out() == []
    assert len(pipeline.messages()) == 3
    return [d.delivery_id for d in _deliveries(stack)]


def test_a_failing_message_mid_batch_is_reported_alone_and_redelivered(
    stack: Stack, pipeline: Pipeline
) -> None:
    # Given three queued deliveries, and the table throttling the second message's read on every attempt
    _three_queued(stack, pipeline)
    with stack.injector.failing(THROTTLED, lambda call, index: index == 2):
        first = pipeline.deliver()
    # Then only that message is a batch item failure; the other two are delivered and acknowledged
    assert first["records"] == 3 and len(first["failed"]) == 1
    assert len(stack.receiver.wait_for(2)) == 2
    # When the queue redelivers it with the table healthy
    pipeline.drain()
    # Then all three are delivered, each receiver call made once
    assert len(stack.receiver.wait_for(3, timeout=0.5)) == 3
    assert {d.status for d in _deliveries(stack)} == {DeliveryStatus.DELIVERED}


class WorkerKilled(BaseException):
    """Not an Exception: the batch processor cannot catch it, like a timeout or an out-of-memory kill."""


def test_a_worker_killed_mid_batch_loses_nothing_and_calls_no_one_twice(
    stack: Stack, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three queued deliveries and a worker that dies while sending the second
    _three_queued(stack, pipeline)
    real = dispatch.attempt_once
    sent: list[str] = []

    def dies_on_the_second(delivery: Any) -> Any:
        if len(sent) == 1:
            sent.append(delivery.delivery_id)
            raise WorkerKilled
        sent.append(delivery.delivery_id)
        return real(delivery)

    monkeypatch.setattr(dispatch, "attempt_once", dies_on_the_second)
    with pytest.raises(WorkerKilled):
        pipeline.deliver()
    # Then nothing was acknowledged: all three messages are still on the queue
    assert len(pipeline.messages()) == 3
    # When the queue redelivers them to a healthy worker
    monkeypatch.setattr(dispatch, "attempt_once", real)
    pipeline.drain()
    # Then every delivery is delivered; the one finished before the crash is not called again
    assert {d.status for d in _deliveries(stack)} == {DeliveryStatus.DELIVERED}
    assert len(stack.receiver.wait_for(3, timeout=0.5)) == 3
    killed = repository.get_delivery(sent[1])
    assert killed is not None and killed.attempts == 2  # the killed attempt counts; no third try


def test_a_throttled_success_record_is_retried_not_left_pending(stack: Stack, pipeline: Pipeline) -> None:
    # Given a queued delivery whose mark-delivered transaction is cancelled by throttling
    _publish(stack)
    pipeline.fan_out()
    with stack.injector.failing(TRANSACTION_THROTTLED, every("TransactWriteItems")):
        first = pipeline.deliver()
    # Then the message is a batch item failure (the receiver got the call: at least once)
    assert len(first["failed"]) == 1
    assert repository.get_delivery(_deliveries(stack)[0].delivery_id).status is DeliveryStatus.PENDING  # type: ignore[union-attr]
    # When the queue redelivers it
    pipeline.drain()
    # Then it is delivered (the receiver deduplicates the repeat on webhook-id) and metered once
    calls = stack.receiver.wait_for(2)
    assert len({c.headers["webhook-id"] for c in calls}) == 1
    (delivered,) = _deliveries(stack)
    assert delivered.status is DeliveryStatus.DELIVERED
    assert repository.usage(stack.account_id, "2000-01-01", "2999-12-31")[0][1] == 1


# ------------------------------------------------------------------ redrive
def _parked(stack: Stack, pipeline: Pipeline) -> str:
    stack.receiver.respond(status=500)
    _publish(stack)
    pipeline.fan_out()
    pipeline.drain(rounds=15)
    (parked,) = _deliveries(stack)
    assert parked.status is DeliveryStatus.PARKED and parked.attempts == 10
    stack.receiver.respond(status=200)
    return parked.delivery_id


def _redrive(stack: Stack) -> Reply:
    return stack.call(
        "webhooks_redrive",
        "POST",
        f"/v1/webhooks/{stack.webhook_id}/redrive",
        resource="/v1/webhooks/{webhookId}/redrive",
        path_parameters={"webhookId": stack.webhook_id},
    )


class RedriveKilled(BaseException):
    pass


def test_a_redrive_killed_right_after_its_write_still_delivers(
    stack: Stack, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a parked delivery, and a redrive whose function dies right after the reset is written
    parked = _parked(stack, pipeline)
    real = repository.reset_for_redrive

    def then_die(delivery_id: str, now: float) -> bool:
        real(delivery_id, now)
        raise RedriveKilled

    monkeypatch.setattr(repository, "reset_for_redrive", then_die)
    with pytest.raises(RedriveKilled):
        _redrive(stack)
    monkeypatch.setattr(repository, "reset_for_redrive", real)
    # When the webhooks table's stream is processed and the worker runs
    assert pipeline.outbox() == []
    pipeline.drain()
    # Then the delivery is delivered on its 11th call: nothing was stranded pending without a message
    delivery = repository.get_delivery(parked)
    assert delivery is not None and delivery.status is DeliveryStatus.DELIVERED
    assert len(delivery.history) == 11


def test_a_redrive_with_the_table_down_is_a_clean_503_and_stays_parked(
    stack: Stack, pipeline: Pipeline
) -> None:
    # Given a parked delivery and a table throttling every update
    parked = _parked(stack, pipeline)
    with stack.injector.failing(THROTTLED, every("UpdateItem")):
        reply = _redrive(stack)
    # Then the redrive is a 503 and the delivery is still parked (a later redrive selects it)
    assert_clean_503(_path("events publish"), reply)
    assert repository.get_delivery(parked).status is DeliveryStatus.PARKED  # type: ignore[union-attr]
    assert pipeline.outbox() == []
    assert pipeline.messages() == []
    # When the table recovers, the redrive succeeds and the delivery is delivered once more
    assert _redrive(stack).json == {"redriven": [parked]}
    pipeline.outbox()
    pipeline.drain()
    assert repository.get_delivery(parked).status is DeliveryStatus.DELIVERED  # type: ignore[union-attr]
