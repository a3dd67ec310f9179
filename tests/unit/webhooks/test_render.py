"""POST /v1/content/render: codes removed and queued, locks, consent gating, errors, the JS snippet."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError
from webhooks_support import Webhooks, body_of

from trackhub.storage.clients import dynamodb_client, dynamodb_resource
from trackhub.webhooks import lock, render, repository, service
from trackhub.webhooks.codes import CodeKind, parse_code

CONTEXT: dict[str, Any] = {
    "wwwroot": "https://academy.example.com",
    "course": {"id": 7, "shortname": "PY1", "fullname": "Python 1", "category": "IT", "url": "https://a/c/7"},
    "page": {"id": 3, "name": "Intro", "url": "https://a/p/3"},
    "module": {"id": 11, "name": "Quiz", "number": 2, "instance": 5, "url": "https://a/m/11"},
    "user": {"id": 42, "email": "ada@example.com", "username": "ada"},
    "session": "sess-1",
    "ip": "203.0.113.9",
    "consents": {"processing": True, "marketing": False, "email": True},
}


def _delivery(wh: Webhooks, reply_json: dict[str, Any]) -> Any:
    (delivery_id,) = reply_json["deliveries"]
    delivery = repository.get_delivery(delivery_id)
    assert delivery is not None
    return delivery


def test_webhook_codes_are_removed_queued_and_carry_the_payload(wh: Webhooks) -> None:
    # Given content with a GET code whose URL has its own parameters and a secret
    content = "<p>Hi {WEBHOOK:https://hooks.example.com/in?src=lms&amp;key=spoof:s3cret:GET:0} there</p>"
    # When rendered (and the outbox has forwarded what the render wrote)
    reply = wh.render_and_queue(content, CONTEXT)
    # Then the code is gone from the page, one delivery is queued, and its URL carries everything
    assert reply.status == 200, reply.body
    assert reply.json["content"] == "<p>Hi  there</p>"
    assert (reply.json["queued"], reply.json["suppressed"], reply.json["errors"]) == (1, 0, [])
    delivery = _delivery(wh, reply.json)
    assert delivery.method == "GET" and delivery.body is None
    query = dict(re.findall(r"([^?&=]+)=([^&]*)", delivery.url.split("?", 1)[1]))
    assert query["src"] == "lms" and query["course_id"] == "7" and query["module_instance"] == "5"
    assert query["user_email"] == "ada%40example.com" and query["consent_email"] == "1"
    assert query["consent_marketing"] == "0" and query["ip"] == "203.0.113.9"
    # the author's `key` parameter cannot spoof ours
    expected = hashlib.sha256(f"42{query['time']}s3cret".encode()).hexdigest()
    assert query["key"] == expected
    (message,) = wh.pending_messages()
    assert body_of(message) == {"deliveryId": delivery.delivery_id}


def test_post_body_is_nested_and_user_data_needs_consent(wh: Webhooks) -> None:
    # Given a viewer who did not consent to processing
    context = {**CONTEXT, "consents": {"processing": False, "marketing": True, "email": False}}
    # When a POST code is rendered
    reply = wh.render("{WEBHOOK:https://hooks.example.com/p:abc:POST:0}", context)
    # Then the JSON body has no user data, the key uses an empty USER_ID, and the session stands in
    body = json.loads(_delivery(wh, reply.json).body)
    assert "user" not in body and body["session"] == "sess-1"
    assert body["course"]["shortname"] == "PY1" and body["module"]["number"] == 2
    assert body["consents"] == {"processing": False, "marketing": True, "email": False}
    assert body["key"] == hashlib.sha256(f"{body['time']}abc".encode()).hexdigest()


def test_the_lock_suppresses_identical_calls_and_zero_means_none(wh: Webhooks) -> None:
    locked = "{WEBHOOK:https://hooks.example.com/l:k:GET:15}"
    unlocked = "{WEBHOOK:https://hooks.example.com/u:k:GET:0}"
    # Given one render of each
    first = wh.render(locked + unlocked, CONTEXT)
    assert (first.json["queued"], first.json["suppressed"]) == (2, 0)
    # When the same viewer renders the same page again
    again = wh.render(locked + unlocked, CONTEXT)
    # Then the locked code is suppressed and the lock-0 code goes out again
    assert (again.json["queued"], again.json["suppressed"]) == (1, 1)
    # and another user, another page or a blog post is a different call
    other_user = {**CONTEXT, "user": {"id": 43}}
    other_page = {**CONTEXT, "page": {"id": 4}}
    assert wh.render(locked, other_user).json["queued"] == 1
    assert wh.render(locked, other_page).json["queued"] == 1


def _call(wh: Webhooks) -> tuple[Any, Any]:
    """A code webhook and a fresh pending delivery for it, as a render builds them."""
    code = parse_code("{WEBHOOK:https://hooks.example.com/l:k:GET:1}", kind=CodeKind.WEBHOOK)
    webhook = render.code_webhook(wh.account_id, code)
    return webhook, service.new_delivery(webhook, "render", code.url, None)


def _commit(webhook: Any, delivery: Any, held: dict[str, Any] | None) -> bool:
    """One call committed alone, as a render of one code does; False: its lock was held."""
    (committed,) = repository.commit_render_calls([repository.RenderCall(webhook, delivery, held)])
    return committed


def test_an_expired_lock_that_ttl_has_not_removed_does_not_block(wh: Webhooks) -> None:
    # Given a lock taken at t=1000 for one minute (its item stays: TTL is lazy)
    assert _commit(*_call(wh), lock.take("abc", 1, now=1_000))
    # When the same call comes within the window / Then it is suppressed; after the window it goes
    assert not _commit(*_call(wh), lock.take("abc", 1, now=1_030))
    assert _commit(*_call(wh), lock.take("abc", 1, now=1_061))


def test_the_lock_and_the_delivery_are_written_together_or_not_at_all(wh: Webhooks) -> None:
    # Given a held lock
    assert _commit(*_call(wh), lock.take("held", 15, now=1_000))
    # When another call under that lock is committed
    webhook, delivery = _call(wh)
    assert not _commit(webhook, delivery, lock.take("held", 15, now=1_010))
    # Then nothing of it was written: no delivery item, no stream record for the outbox to queue,
    # and the lock still has its first window
    assert repository.get_delivery(delivery.delivery_id) is None
    inserted = [r["dynamodb"]["Keys"]["PK"]["S"] for r in wh.outbox_records(fresh=False)]
    assert inserted == [f"DELIVERY#{d}" for d in _delivery_ids(wh)] and len(inserted) == 1
    item = repository._table().get_item(Key={"PK": "LOCK#held", "SK": "LOCK"})["Item"]
    assert item["expiresAt"] == 1_000 + 15 * 60


def test_a_render_whose_write_fails_leaves_no_lock_and_no_delivery(
    wh: Webhooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a table that refuses the render's transaction (the delivery's condition fails)
    real = repository.delivery_item

    def clashing(delivery: Any) -> dict[str, Any]:
        item = real(delivery)
        return {**item, "PK": "LOCK#taken"}  # lands on an existing item: attribute_not_exists fails

    repository._table().put_item(Item={"PK": "LOCK#taken", "SK": "DELIVERY"})
    monkeypatch.setattr(repository, "delivery_item", clashing)
    code = "{WEBHOOK:https://hooks.example.com/atomic:k:GET:15}"
    # When rendered / Then the render fails as a whole (the invocation errors) ...
    with pytest.raises(ClientError, match="TransactionCanceled"):
        wh.render(code, CONTEXT)
    # ... no lock was taken and nothing reached the outbox
    monkeypatch.setattr(repository, "delivery_item", real)
    assert wh.outbox_records(fresh=False) == []
    locks = repository._table().scan()["Items"]
    assert [i["PK"] for i in locks] == ["LOCK#taken"]
    # and the same call renders normally afterwards (the lock was never held)
    assert wh.render_and_queue(code, CONTEXT).json["queued"] == 1 and len(wh.pending_messages()) == 1


def _delivery_ids(wh: Webhooks) -> list[str]:
    return [
        str(i["deliveryId"])
        for i in repository._table().scan()["Items"]
        if str(i["PK"]).startswith("DELIVERY#")
    ]


def test_anonymous_viewers_are_told_apart_by_session(wh: Webhooks) -> None:
    anonymous = {k: v for k, v in CONTEXT.items() if k != "user"}
    code = "{WEBHOOK:https://hooks.example.com/anon}"
    assert wh.render(code, anonymous).json["queued"] == 1
    assert wh.render(code, anonymous).json["suppressed"] == 1
    assert wh.render(code, {**anonymous, "session": "sess-2"}).json["queued"] == 1


def test_malformed_codes_are_reported_removed_and_never_queued(wh: Webhooks) -> None:
    # Given a page with two bad codes (one holds a secret) around a good one
    content = "A {WEBHOOK:http://x.example.com:secret} B {WEBHOOK:https://ok.example.com/in} C {WEBHOOK:https://x.example.com:s:PUT}"
    # When rendered
    reply = wh.render_and_queue(content, CONTEXT)
    # Then both are reported with position and reason, removed from the page, and only one call queued
    errors = reply.json["errors"]
    assert [e["position"] for e in errors] == [2, content.index("{WEBHOOK:https://x")]
    assert "https" in errors[0]["reason"] and "GET or POST" in errors[1]["reason"]
    assert reply.json["content"] == "A  B  C "
    assert "secret" not in reply.json["content"]
    assert reply.json["queued"] == 1 and len(wh.pending_messages()) == 1


def test_webhookjs_becomes_a_script_without_the_secret(wh: Webhooks) -> None:
    # Given a WEBHOOKJS code with a secret and a context value trying to close the script
    context = {**CONTEXT, "page": {"id": 3, "name": "</script><script>alert(1)</script>"}}
    reply = wh.render("<div>{WEBHOOKJS:https://hooks.example.com/js:TopSecret99:POST}</div>", context)
    # Then the page holds one script, the secret is not in it, nothing is queued
    page = reply.json["content"]
    assert reply.json["queued"] == 0
    assert page.count("<script>") == 1 and page.count("</script>") == 1
    assert "TopSecret99" not in page
    config = json.loads(re.search(r"var c=(\{.*?\});var o", page).group(1))  # type: ignore[union-attr]
    assert config["payload"]["page"]["name"] == "</script><script>alert(1)</script>"
    assert (
        config["payload"]["key"]
        == hashlib.sha256(f"42{config['payload']['time']}TopSecret99".encode()).hexdigest()
    )


def test_render_needs_the_webhooks_scope_and_valid_input(wh: Webhooks) -> None:
    assert (
        wh.call(
            "POST", "/v1/content/render", "content_render", body={"content": "x"}, auth=wh.no_scope_auth
        ).status
        == 403
    )
    assert (
        wh.call(
            "POST", "/v1/content/render", "content_render", body={"content": "x"}, auth="Basic eA=="
        ).status
        == 401
    )
    bad = wh.call(
        "POST",
        "/v1/content/render",
        "content_render",
        body={"content": "x", "context": {"course": {"idd": 1}}},
    )
    assert bad.status == 400 and "course.idd" in bad.body
    assert wh.call("POST", "/v1/content/render", "content_render", body={"context": {}}).status == 400


def _distinct_codes(count: int, lock_minutes: int = 15) -> str:
    """`count` {WEBHOOK} codes, each its own webhook and lock (the most items a call can cost)."""
    return "".join(f"{{WEBHOOK:https://h.example.com/c{i}:k{i}:POST:{lock_minutes}}}" for i in range(count))


def _table_items(prefix: str) -> list[dict[str, Any]]:
    return [i for i in repository._table().scan()["Items"] if str(i["PK"]).startswith(prefix)]


def test_too_many_codes_in_one_render_is_a_400_and_nothing_is_queued(wh: Webhooks) -> None:
    # Given one {WEBHOOK} code more than one transaction holds (WEBHOOKJS codes do not count)
    limit = render.MAX_CODES_PER_RENDER
    assert limit * repository.ITEMS_PER_RENDER_CALL <= repository.MAX_TRANSACT_ITEMS
    js = "{WEBHOOKJS:https://h.example.com/js}" * 5
    # When rendered / Then it is a 400 naming the limit, and nothing is written or queued
    reply = wh.render_and_queue(_distinct_codes(limit + 1) + js, CONTEXT)
    assert reply.status == 400 and f"at most {limit} {{WEBHOOK}} codes" in reply.json["message"]
    assert repository._table().scan()["Items"] == []
    assert wh.outbox_records(fresh=False) == [] and wh.pending_messages() == []
    # And the limit itself, each code costing all three items, commits in one transaction
    reply = wh.render(_distinct_codes(limit) + js, CONTEXT)
    assert reply.status == 200 and (reply.json["queued"], reply.json["suppressed"]) == (limit, 0)
    assert len(_table_items("LOCK#")) == limit and len(_table_items("DELIVERY#")) == limit


@contextmanager
def _dynamodb_calls() -> Iterator[list[tuple[str, int]]]:
    """(operation, TransactItems count) of every DynamoDB call the hub's own clients make meanwhile."""
    calls: list[tuple[str, int]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        sent = json.loads(params.get("body") or b"{}")
        calls.append((model.name, len(sent.get("TransactItems", []))))

    clients = [dynamodb_client(), dynamodb_resource().meta.client]
    for client in clients:
        client.meta.events.register("before-call.dynamodb", record, unique_id="render-calls")
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister("before-call.dynamodb", unique_id="render-calls")


def test_several_codes_commit_together_in_one_transaction(wh: Webhooks) -> None:
    # Given a page with three {WEBHOOK} codes (two share a webhook) and a {WEBHOOKJS} one
    content = (
        "{WEBHOOK:https://h.example.com/a:k:POST:15} {WEBHOOK:https://h.example.com/b:k:GET:0}"
        " {WEBHOOKJS:https://h.example.com/js} {WEBHOOK:https://h.example.com/a:k:POST:0}"
    )
    # When rendered
    with _dynamodb_calls() as calls:
        reply = wh.render(content, CONTEXT)
    # Then the key was read and all three calls went out in one transaction: one lock, two code
    # webhooks, three deliveries - the same two DynamoDB calls as a render of one code
    assert reply.status == 200 and (reply.json["queued"], reply.json["suppressed"]) == (3, 0)
    assert calls == [("GetItem", 0), ("TransactWriteItems", 6)]
    with _dynamodb_calls() as calls_of_one:
        single = wh.render("{WEBHOOK:https://h.example.com/one}", CONTEXT)
    assert single.json["queued"] == 1 and calls_of_one == [("GetItem", 0), ("TransactWriteItems", 3)]
    # and the outbox queues each of them
    wh.run_outbox()
    queued = [*reply.json["deliveries"], *single.json["deliveries"]]
    assert sorted(_delivery_ids(wh)) == sorted(queued) and len(wh.pending_messages()) == 4
    assert reply.json["content"].count("<script>") == 1


def test_a_held_lock_suppresses_its_own_code_and_the_others_are_queued(wh: Webhooks) -> None:
    # Given a code whose lock an earlier render of this page took
    held = "{WEBHOOK:https://h.example.com/held:k:GET:15}"
    assert wh.render_and_queue(held, CONTEXT).json["queued"] == 1
    first = set(_delivery_ids(wh))
    # When a page with it between two other codes is rendered (the held one repeated: suppressed too)
    content = (
        "{WEBHOOK:https://h.example.com/one:k:POST:15}" + held + "{WEBHOOK:https://h.example.com/two}" + held
    )
    reply = wh.render_and_queue(content, CONTEXT)
    # Then only the held code is suppressed; the other two are queued, each with its own lock
    assert reply.status == 200 and (reply.json["queued"], reply.json["suppressed"]) == (2, 2)
    new = set(_delivery_ids(wh)) - first
    assert new == set(reply.json["deliveries"]) and len(new) == 2
    urls = sorted(d.url.split("?")[0] for d in map(repository.get_delivery, new) if d is not None)
    assert urls == ["https://h.example.com/one", "https://h.example.com/two"]
    assert len(_table_items("LOCK#")) == 3 and len(wh.pending_messages()) == 3
    # And a second identical render is suppressed as a whole, writing nothing
    again = wh.render_and_queue(content, CONTEXT)
    assert (again.json["queued"], again.json["suppressed"]) == (0, 4)
    assert set(_delivery_ids(wh)) - first == new
