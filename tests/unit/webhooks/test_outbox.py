"""The outbox of render/test deliveries: WebhooksTable's stream -> webhook_outbox -> the queue."""

from __future__ import annotations

from datetime import UTC, datetime

from hubtest.receiver import Receiver
from webhooks_support import Webhooks, body_of

from trackhub.webhooks import repository
from trackhub.webhooks.outbox import outbox_delivery_id


def test_an_insert_of_a_rendered_delivery_becomes_exactly_one_message(wh: Webhooks) -> None:
    # Given a render that queued one call under a lock (lock, code webhook and delivery items written)
    reply = wh.render("{WEBHOOK:https://hooks.example.com/one:k:GET:15}", {"session": "s"})
    (delivery_id,) = reply.json["deliveries"]
    # Then nothing is on the queue until the outbox runs, and the template's filter hands it only
    # the delivery's INSERT (not the lock, not the code webhook)
    assert wh.pending_messages() == []
    (record,) = wh.outbox_records()
    assert record["eventName"] == "INSERT" and outbox_delivery_id(record) == delivery_id
    # When the outbox processes its stream batch
    assert wh.run_outbox() == {"batchItemFailures": [], "records": 1}
    # Then exactly one message names the delivery
    (message,) = wh.pending_messages()
    assert body_of(message) == {"deliveryId": delivery_id}


def test_only_pending_render_and_test_inserts_are_forwarded(wh: Webhooks) -> None:
    # Given a rendered delivery's INSERT record, and the same record as other changes would look
    wh.render("{WEBHOOK:https://hooks.example.com/two:k:GET:0}", {"session": "s"})
    (record,) = wh.outbox_records()
    image = record["dynamodb"]["NewImage"]

    def variant(event_name: str = "INSERT", **attributes: dict[str, str]) -> dict[str, object]:
        changed = {**record, "eventName": event_name}
        changed["dynamodb"] = {**record["dynamodb"], "NewImage": {**image, **attributes}}
        return changed

    # Then the outbox itself (not only the mapping's filter) skips all but pending render/test inserts
    assert outbox_delivery_id(variant("MODIFY")) is None  # an attempt being recorded
    assert outbox_delivery_id(variant(source={"S": "event"})) is None  # the fan-out queues those
    assert outbox_delivery_id(variant(status={"S": "delivered"})) is None
    assert outbox_delivery_id(variant(PK={"S": "LOCK#x"}, SK={"S": "LOCK"})) is None
    assert outbox_delivery_id(variant(source={"S": "test"})) == image["deliveryId"]["S"]
    assert wh.run_outbox([variant("MODIFY"), variant(source={"S": "event"})])["batchItemFailures"] == []
    assert wh.pending_messages() == []


def test_a_reprocessed_outbox_batch_delivers_and_meters_once(wh: Webhooks, receiver: Receiver) -> None:
    # Given a rendered call whose outbox batch Lambda processed twice (a retry after a timeout)
    reply = wh.render(f"{{WEBHOOK:{receiver.url('/twice')}:k:POST:0}}", {"session": "s"})
    (delivery_id,) = reply.json["deliveries"]
    batch = wh.outbox_records()
    assert wh.run_outbox(batch)["batchItemFailures"] == []
    assert wh.run_outbox(batch)["batchItemFailures"] == []
    assert [body_of(m) for m in wh.pending_messages()] == [{"deliveryId": delivery_id}] * 2
    # When the worker sees both copies
    for _ in range(3):
        wh.deliver_once()
    # Then the receiver got one call, the delivery has one attempt, and one delivery was metered
    (got,) = receiver.wait_for(1, timeout=1)
    assert got.path == "/twice"
    delivery = repository.get_delivery(delivery_id)
    assert delivery is not None and delivery.status == "delivered" and delivery.attempts == 1
    assert len(delivery.history) == 1
    today = datetime.now(UTC).date().isoformat()
    assert repository.usage(wh.account_id, today, today) == [(today, 1)]
    assert wh.pending_messages() == []
