"""DynamoDB calls per event store operation, as documented in docs/event-store.md (keeps the doc honest)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from events_support import Hub, World, event_body

from trackhub.storage.clients import dynamodb_client, dynamodb_resource


@pytest.fixture
def calls(world: World) -> Iterator[Callable[[], Counter[str]]]:
    """Counts every DynamoDB API call the functions make from now on; calling it returns and resets."""
    seen: Counter[str] = Counter()

    def record(model: Any, **_: Any) -> None:
        seen[model.name] += 1

    clients = {id(c): c for c in (dynamodb_client(), dynamodb_resource().meta.client)}
    for client in clients.values():
        client.meta.events.register("before-call.dynamodb.*", record)

    def take() -> Counter[str]:
        snapshot = Counter(seen)
        seen.clear()
        return snapshot

    yield take
    for client in clients.values():
        client.meta.events.unregister("before-call.dynamodb.*", record)


def test_calls_per_operation(hub: Hub, world: World, calls: Callable[[], Counter[str]]) -> None:
    # publish: key GetItem + one BatchGetItem (program and counter) + one TransactWriteItems
    event_id = hub.published(world.owner.auth)
    assert calls() == Counter({"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1})
    # get: key GetItem + event GetItem + program-and-subscriptions Query
    assert hub.get(event_id, world.subscriber.auth).status == 200
    assert calls() == Counter({"GetItem": 2, "Query": 1})
    # get refused (an outsider): + the program GetItem that decides 404 over 403
    assert hub.get(event_id, world.outsider.auth).status == 404
    assert calls() == Counter({"GetItem": 3, "Query": 1})
    # feed page: key GetItem + program-and-subscriptions Query + counter GetItem + one bounded feed Query
    first = hub.feed(world.subscriber.auth, program="PUB")
    assert first.status == 200
    assert calls() == Counter({"GetItem": 2, "Query": 2})
    # a poller with nothing new: the counter equals its cursor, so no feed Query
    assert hub.feed(world.subscriber.auth, program="PUB", cursor=first.json["cursor"]).status == 200
    assert calls() == Counter({"GetItem": 2, "Query": 1})
    # filtered and `since` pages cost the same as any page
    assert hub.feed(world.subscriber.auth, program="PUB", type="AI_STARTED").status == 200
    assert calls() == Counter({"GetItem": 2, "Query": 2})
    assert hub.program_feed("PUB", world.subscriber.auth, since="2024-01-01T00:00:00Z").status == 200
    assert calls() == Counter({"GetItem": 2, "Query": 2})
    # delete: key GetItem + event GetItem + program GetItem + one TransactWriteItems
    assert hub.delete(event_id, world.owner.auth).status == 204
    assert calls() == Counter({"GetItem": 3, "TransactWriteItems": 1})
    # a bad body costs only the authentication; missing credentials cost nothing
    assert hub.publish(event_body(EventType=""), world.owner.auth).status == 400
    assert calls() == Counter({"GetItem": 1})
    assert hub.publish(event_body(), None).status == 401
    assert calls() == Counter()
