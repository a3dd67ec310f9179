"""Subscriptions, the stream fan-out (the outbox) and the worker, end to end in-process: moto for
AWS, a real HTTPS receiver on 127.0.0.1 for the calls."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Any

from hubtest.apigw import api_event
from hubtest.functions import LambdaContext, invoke, load_function
from hubtest.receiver import Receiver
from hubtest.streams import stream_records
from standardwebhooks.webhooks import Webhook
from webhooks_support import Webhooks

from trackhub.events import service as events
from trackhub.events.models import NewEvent
from trackhub.webhooks import repository
from trackhub.webhooks.signing import standard_secret


def _subscribe(wh: Webhooks, code: str, types: list[str] | None = None) -> dict[str, Any]:
    reply = wh.call(
        "POST",
        "/v1/webhooks",
        "webhooks_create",
        body={"code": code, "programs": [wh.program_id], "types": types or []},
    )
    assert reply.status == 201, reply.body
    return dict(reply.json)


def _publish(wh: Webhooks, event_type: str = "AI_COMP_SUCCESS") -> str:
    stored = events.publish(
        NewEvent(
            event_type=event_type,
            publisher_program_id=wh.program_id,
            publisher_event_id="e-1",
            publisher_participant_id="ada@example.com",
            publisher_event_data={"score": 90},
            event_start_utc=datetime(2026, 3, 1, tzinfo=UTC),
        )
    )
    return stored.event_id


def _stream_records() -> list[dict[str, Any]]:
    """Everything on the events table's stream, as the Lambda DynamoDB event carries it."""
    return stream_records(os.environ["EVENTS_TABLE_NAME"])


def _fan_out(records: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = load_function("webhook_fanout").lambda_handler(
        {"Records": records}, LambdaContext(function_name="webhook_fanout")
    )
    return result


def _queue_depth(wh: Webhooks, url: str | None = None) -> int:
    attributes = wh.sqs.get_queue_attributes(
        QueueUrl=url or wh.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_a_published_event_reaches_a_subscribed_webhook_once_signed(wh: Webhooks, receiver: Receiver) -> None:
    # Given a POST subscription with a secret on the program, filtered to one event type
    webhook = _subscribe(
        wh, f"{{WEBHOOK:{receiver.url('/events?tenant=acme')}:s3cret:POST}}", ["AI_COMP_SUCCESS"]
    )
    # When two events are published (one of another type) and the stream batch is processed twice
    event_id = _publish(wh)
    _publish(wh, "OTHER_TYPE")
    records = _stream_records()
    assert _fan_out(records) == {"batchItemFailures": []}
    assert _fan_out(records) == {"batchItemFailures": []}  # a re-processed batch
    # Then exactly one delivery is queued, and the worker delivers it
    assert _queue_depth(wh) == 1
    assert wh.deliver_once()["batchItemFailures"] == []
    (got,) = receiver.wait_for(1)
    body = got.json
    assert got.method == "POST" and got.query == {"tenant": "acme"}
    assert body["event"]["EventId"] == event_id and body["event"]["PublisherEventData"] == {"score": 90}
    # the Standard Webhooks signature verifies with the reference package
    assert Webhook(standard_secret("s3cret")).verify(got.body.decode(), got.headers) == body
    # and the log shows the delivery with its one attempt
    log = wh.call(
        "GET",
        f"/v1/webhooks/{webhook['webhookId']}/deliveries",
        "webhooks_deliveries",
        resource="/v1/webhooks/{webhookId}/deliveries",
        path_parameters={"webhookId": webhook["webhookId"]},
    )
    (delivery,) = log.json["deliveries"]
    assert delivery["status"] == "delivered" and delivery["eventId"] == event_id
    assert delivery["history"][0]["statusCode"] == 200 and delivery["history"][0]["durationMs"] >= 0


def test_ten_attempts_then_parked_then_redriven(wh: Webhooks, receiver: Receiver) -> None:
    # Given a subscription whose receiver fails every call
    receiver.respond(500)
    webhook = _subscribe(wh, f"{{WEBHOOK:{receiver.url('/fail')}}}")
    _publish(wh)
    _fan_out(_stream_records())
    # When the worker runs until the queue is empty (retry schedule 0 s)
    for _ in range(15):
        if not wh.deliver_once()["records"]:
            break
    # Then there were exactly ten calls, the delivery is parked with ten attempts, and it sits in the DLQ
    assert len(receiver.wait_for(10, timeout=1)) == 10
    (parked,) = repository.deliveries_of(webhook["webhookId"], 10)
    assert parked.status == "parked" and parked.attempts == 10
    assert [a.number for a in parked.history] == list(range(1, 11))
    assert all(a.status_code == 500 for a in parked.history)
    assert _queue_depth(wh) == 0 and _queue_depth(wh, wh.dlq_url) == 1
    # When the receiver recovers and the webhook's parked deliveries are redriven
    receiver.respond(200)
    path = f"/v1/webhooks/{webhook['webhookId']}/redrive"
    reply = wh.call(
        "POST",
        path,
        "webhooks_redrive",
        resource="/v1/webhooks/{webhookId}/redrive",
        path_parameters={"webhookId": webhook["webhookId"]},
    )
    assert reply.json == {"redriven": [parked.delivery_id]}
    wh.run_outbox()  # the reset's stream record queues it
    wh.deliver_once()
    # Then it is delivered on the 11th call and metered once; the admin drain drops the stale DLQ copy
    assert len(receiver.wait_for(11)) == 11
    assert repository.get_delivery(parked.delivery_id).status == "delivered"  # type: ignore[union-attr]
    drained = invoke("admin_redrive_webhooks", api_event("POST", "/admin/webhooks/redrive"))
    assert drained.json == {"redriven": 0, "dropped": 1}
    usage = wh.call("GET", "/v1/usage", "usage_get")
    assert usage.json["delivered"] == 1


def test_admin_drain_redrives_parked_dead_letters(wh: Webhooks, receiver: Receiver) -> None:
    # Given a delivery parked in the DLQ
    receiver.respond(503)
    webhook = _subscribe(wh, f"{{WEBHOOK:{receiver.url('/p')}}}")
    _publish(wh)
    _fan_out(_stream_records())
    for _ in range(12):
        if not wh.deliver_once()["records"]:
            break
    assert _queue_depth(wh, wh.dlq_url) == 1
    # When an administrator drains the DLQ
    receiver.respond(204)
    drained = invoke("admin_redrive_webhooks", api_event("POST", "/admin/webhooks/redrive"))
    # Then the delivery starts over and succeeds; the DLQ is empty
    assert drained.json == {"redriven": 1, "dropped": 0}
    wh.run_outbox()  # the reset's stream record queues it
    wh.deliver_once()
    (delivery,) = repository.deliveries_of(webhook["webhookId"], 10)
    assert delivery.status == "delivered" and delivery.attempts == 1 and len(delivery.history) == 11
    assert _queue_depth(wh, wh.dlq_url) == 0


def test_a_duplicate_message_cannot_attempt_twice(wh: Webhooks, receiver: Receiver) -> None:
    # Given a test delivery whose message SQS delivered twice
    webhook = _subscribe(wh, f"{{WEBHOOK:{receiver.url('/dup')}}}")
    path = f"/v1/webhooks/{webhook['webhookId']}/test"
    queued = wh.call(
        "POST",
        path,
        "webhooks_test",
        resource="/v1/webhooks/{webhookId}/test",
        path_parameters={"webhookId": webhook["webhookId"]},
    )
    assert queued.status == 202
    assert wh.run_outbox()["records"] == 1  # the table's stream queues it
    wh.sqs.send_message(
        QueueUrl=wh.queue_url, MessageBody=json.dumps({"deliveryId": queued.json["deliveryId"]})
    )
    # When the worker sees both copies
    for _ in range(3):
        wh.deliver_once()
    # Then one call was made (a GET with test=1) and the other copy was dropped
    (got,) = receiver.wait_for(1, timeout=1)
    assert got.method == "GET" and got.query["test"] == "1" and _queue_depth(wh) == 0


def test_a_failure_waits_for_the_next_step_of_the_schedule(
    wh: Webhooks, receiver: Receiver, monkeypatch: Any
) -> None:
    from trackhub.config import reset_settings

    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "120,300")
    reset_settings()
    receiver.respond(500)
    webhook = _subscribe(wh, f"{{WEBHOOK:{receiver.url('/slow')}}}")
    _publish(wh)
    _fan_out(_stream_records())
    # When the first attempt fails
    started = time.time()
    result = wh.deliver_once()
    # Then the message is reported failed and the delivery's next attempt is 120 s out
    assert len(result["batchItemFailures"]) == 1
    (delivery,) = repository.deliveries_of(webhook["webhookId"], 10)
    assert delivery.attempts == 1 and 110 <= delivery.next_attempt_at - started <= 125
    # and the message is invisible until then: a second run finds nothing to do
    assert wh.deliver_once()["records"] == 0


def test_subscriptions_crud_and_their_rules(wh: Webhooks) -> None:
    created = _subscribe(wh, "{WEBHOOK:https://hooks.example.com/x:abc:POST}")
    assert created["hasSecret"] is True and "abc" not in json.dumps(created)
    listed = wh.call("GET", "/v1/webhooks", "webhooks_list").json["webhooks"]
    assert [w["webhookId"] for w in listed] == [created["webhookId"]]
    # malformed code -> 400 naming the code and position; unknown program -> 403; no scope -> 403
    bad = wh.call(
        "POST",
        "/v1/webhooks",
        "webhooks_create",
        body={"code": "{WEBHOOK:http://x.example.com}", "programs": [wh.program_id]},
    )
    assert bad.status == 400 and "https" in bad.json["message"] and bad.json["details"][0]["field"] == "code"
    other = wh.call(
        "POST",
        "/v1/webhooks",
        "webhooks_create",
        body={"code": "{WEBHOOK:https://x.example.com}", "programs": ["NOPE"]},
    )
    assert other.status == 403
    scope = wh.call(
        "POST",
        "/v1/webhooks",
        "webhooks_create",
        auth=wh.no_scope_auth,
        body={"code": "{WEBHOOK:https://x.example.com}", "programs": [wh.program_id]},
    )
    assert scope.status == 403
    assert wh.call("POST", "/v1/webhooks", "webhooks_create", body={"programs": []}).status == 400
    # delete, then it is gone
    path = f"/v1/webhooks/{created['webhookId']}"
    params = {"webhookId": created["webhookId"]}
    assert (
        wh.call(
            "DELETE", path, "webhooks_delete", resource="/v1/webhooks/{webhookId}", path_parameters=params
        ).status
        == 204
    )
    assert (
        wh.call(
            "DELETE", path, "webhooks_delete", resource="/v1/webhooks/{webhookId}", path_parameters=params
        ).status
        == 404
    )
    assert repository.subscriptions_of(wh.program_id) == []


def test_usage_validates_its_range(wh: Webhooks) -> None:
    assert (
        wh.call("GET", "/v1/usage", "usage_get", query={"from": "2026-02-01", "to": "2026-01-01"}).status
        == 400
    )
    assert wh.call("GET", "/v1/usage", "usage_get", query={"from": "yesterday"}).status == 400
    ok = wh.call("GET", "/v1/usage", "usage_get", query={"from": "2026-01-01", "to": "2026-01-31"})
    assert ok.json == {
        "accountId": wh.account_id,
        "fromDay": "2026-01-01",
        "toDay": "2026-01-31",
        "delivered": 0,
        "days": [],
    }


def test_a_message_about_to_be_dead_lettered_by_sqs_continues_as_a_fresh_one(
    wh: Webhooks, receiver: Receiver
) -> None:
    from trackhub.webhooks.dispatch import Message, Outcome, process

    # Given a delivery whose message SQS has received ten times already (throttling, crashes)
    receiver.respond(500)
    webhook = _subscribe(wh, f"{{WEBHOOK:{receiver.url('/worn')}}}")
    _publish(wh)
    _fan_out(_stream_records())
    (message,) = wh.sqs.receive_message(QueueUrl=wh.queue_url, VisibilityTimeout=30)["Messages"]
    # When its first real attempt fails on that tenth receive
    outcome = process(
        Message(message["Body"], message["ReceiptHandle"], receive_count=10), remaining_ms=60_000
    )
    # Then the attempt is counted and the delivery goes on with a new message instead of the DLQ
    assert outcome is Outcome.REQUEUED
    (delivery,) = repository.deliveries_of(webhook["webhookId"], 10)
    assert delivery.attempts == 1 and delivery.status == "pending"
    assert _queue_depth(wh) == 2 and _queue_depth(wh, wh.dlq_url) == 0  # the old one is acked by the caller


def test_an_early_copy_waits_and_a_finished_delivery_is_dropped(wh: Webhooks, receiver: Receiver) -> None:
    import pytest

    from trackhub.webhooks.dispatch import Message, Outcome, RetryLater, process

    webhook = _subscribe(wh, f"{{WEBHOOK:{receiver.url('/early')}}}")
    queued = wh.call(
        "POST",
        f"/v1/webhooks/{webhook['webhookId']}/test",
        "webhooks_test",
        resource="/v1/webhooks/{webhookId}/test",
        path_parameters={"webhookId": webhook["webhookId"]},
    )
    delivery_id = queued.json["deliveryId"]
    body = json.dumps({"deliveryId": delivery_id})
    wh.run_outbox()
    (message,) = wh.sqs.receive_message(QueueUrl=wh.queue_url, VisibilityTimeout=30)["Messages"]
    # Given a delivery whose next attempt is an hour away
    repository._table().update_item(
        Key={"PK": f"DELIVERY#{delivery_id}", "SK": "DELIVERY"},
        UpdateExpression="SET nextAttemptAt = :t",
        ExpressionAttributeValues={":t": int(time.time()) + 3600},
    )
    # When a copy of its message arrives now / Then it goes back to sleep without calling anyone
    with pytest.raises(RetryLater):
        process(Message(body, message["ReceiptHandle"], 1), remaining_ms=60_000)
    assert receiver.requests == []
    # and a message for an unknown delivery is dropped
    assert process(Message('{"deliveryId":"nope"}', "r", 1), remaining_ms=60_000) is Outcome.DROPPED
    assert process(Message("not json", "r", 1), remaining_ms=60_000) is Outcome.DROPPED
