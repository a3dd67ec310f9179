"""The hub's HTTP write paths as the fault tests drive them, and the tables' state to compare.

Each WritePath has an optional `prepare` (run without faults: a session to track into, a key to
revoke) and an `act` that sends the one request under test; `dialect` names its error shape.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
from faults_support import JWT_SECRET, REGION, Stack, admin, launch
from hubtest.apigw import api_event
from hubtest.functions import Reply, invoke

from trackhub.tenancy import repository as tenancy_repository
from trackhub.tenancy import service as tenancy

HOST = "hub.example.com"


def _unique(prefix: str) -> str:
    """A fresh id: the paths run many times against one module's world."""
    return prefix + uuid.uuid4().hex[:8]


@dataclass(frozen=True)
class WritePath:
    name: str
    dialect: str  # hub | falkor | rage
    act: Callable[[Stack, Any], Reply]
    prepare: Callable[[Stack], Any] = lambda stack: None
    # Items a failed request may leave behind (see docs: whole, consistent steps only); None: none.
    may_leave: Callable[[dict[str, Any]], bool] | None = None
    # Checked after the request finally succeeded: the retried request converged, nothing doubled.
    converged: Callable[[Stack, Any], None] = lambda stack, context: None


def _publish(stack: Stack, _: Any) -> Reply:
    body = {
        "PublisherProgramId": stack.program_id,
        "PublisherSystemId": "LMS",
        "PublisherEventId": "course-42-completed",
        "EventType": "AI_COMP_SUCCESS",
        "PublisherParticipantId": "ada@example.com",
        "PublisherEventData": {"score": 90},
        "EventStartUtc": "2026-05-01T12:30:00Z",
    }
    return stack.call("events_publish", "POST", "/events", body=body)


def _push(stack: Stack, web_token: str) -> Reply:
    body = {"webToken": web_token, "progress": 100, "complete": 1}
    return stack.call("webtracking_push", "POST", "/v1/webtracking/push", body=body)


def _pull(stack: Stack, _: Any) -> Reply:
    return stack.call("webtracking_pull", "POST", "/v1/webtracking/pull", body={"webToken": stack.web_token})


def _start(stack: Stack, _: Any) -> Reply:
    path = f"/api/collector/start/{stack.tracking_code}"
    event = api_event(
        "POST",
        path,
        resource="/api/collector/start/{trackingCode}",
        body={},
        headers={"Host": HOST},
        path_parameters={"trackingCode": stack.tracking_code},
    )
    return invoke("collector_start", event)


def _resume(stack: Stack, player_id: str) -> Reply:
    """A known anonymous player's next session (reads the player and its counter)."""
    path = f"/api/collector/start/{stack.tracking_code}"
    event = api_event(
        "POST",
        path,
        resource="/api/collector/start/{trackingCode}",
        body={"anonymous": player_id},
        headers={"Host": HOST},
        path_parameters={"trackingCode": stack.tracking_code},
    )
    return invoke("collector_start", event)


def _anonymous_player(stack: Stack) -> str:
    started = _start(stack, None)
    assert started.status == 200, started.body
    return str(started.json["playerId"])


def _resumed_once(stack: Stack, player_id: str) -> None:
    """The failed attempts took no session number: the one that succeeded was the second."""
    reply = _resume(stack, player_id)
    assert reply.status == 200 and reply.json["session"] == 3, reply.body


def _identified_start(stack: Stack, username: str) -> Reply:
    """A Bearer JWT start (reads the revocation entries in the same BatchGetItem)."""
    now = int(time.time())
    claims = {"sub": username, "iss": "https://login/", "iat": now, "exp": now + 600, "jti": _unique("j")}
    token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    path = f"/api/collector/start/{stack.tracking_code}"
    event = api_event(
        "POST",
        path,
        resource="/api/collector/start/{trackingCode}",
        headers={"Host": HOST, "Authorization": f"Bearer {token}"},
        path_parameters={"trackingCode": stack.tracking_code},
    )
    return invoke("collector_start", event)


def _identified_once(stack: Stack, username: str) -> None:
    """Only the request that succeeded took a session: the player's next start is its second."""
    reply = _identified_start(stack, username)
    assert reply.status == 200 and reply.json["session"] == 2, reply.body


def _player_with_sessions(stack: Stack) -> str:
    player_id = _anonymous_player(stack)
    assert _resume(stack, player_id).status == 200
    return player_id


def _delete_player(stack: Stack, player_id: str) -> Reply:
    return admin(
        "admin_delete_player",
        "DELETE",
        f"/admin/accounts/{stack.account_id}/players/anonymous/{player_id}",
        "/admin/accounts/{accountId}/players/{playerType}/{playerId}",
        accountId=stack.account_id,
        playerType="anonymous",
        playerId=player_id,
    )


def _player_gone(stack: Stack, player_id: str) -> None:
    """The player and every counter of it went together; resuming it is RAGE's 404."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    items = dynamodb.Table(stack.tables["CollectorTable"]).scan(ConsistentRead=True)["Items"]
    assert not [i for i in items if str(i["PK"]).endswith(f"#anonymous#{player_id}")]
    assert _resume(stack, player_id).status == 404


def _session(stack: Stack) -> str:
    started = _start(stack, None)
    assert started.status == 200, started.body
    return str(started.json["authToken"])


def statement(verb: str = "initialized") -> dict[str, Any]:
    return {
        "actor": {"name": "happy-red-fox", "account": {"homePage": f"https://{HOST}/", "name": "Anonymous"}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {
            "id": f"https://{HOST}/api/proxy/gleaner/games/acme/code/level/level1",
            "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/level"},
        },
        "timestamp": "2026-11-23T12:53:22.349Z",
    }


def _track(stack: Stack, token: str) -> Reply:
    raw = json.dumps([statement("initialized"), statement("progressed"), statement("completed")])
    event = api_event(
        "POST", "/api/collector/track", raw_body=raw, headers={"Host": HOST, "Authorization": token}
    )
    return invoke("collector_track", event)


def _render(stack: Stack, _: Any) -> Reply:
    content = f"<p>{{WEBHOOK:{stack.receiver.url('/render')}:s3cret:POST:0}}</p>"
    return stack.call(
        "content_render", "POST", "/v1/content/render", body={"content": content, "context": {}}
    )


def _viewer(_stack: Stack) -> str:
    """A fresh anonymous viewer's session: the codes' locks are this viewer's own."""
    return _unique("view-")


def _render_several(stack: Stack, session: str) -> Reply:
    """Three {WEBHOOK} codes (two locked, one not) and a {WEBHOOKJS}: one transaction, all or none."""
    content = (
        f"<p>{{WEBHOOK:{stack.receiver.url('/a')}:s3cret:POST}}</p>"
        f"<p>{{WEBHOOK:{stack.receiver.url('/b')}:s3cret:GET:5}}</p>"
        f"<p>{{WEBHOOK:{stack.receiver.url('/c')}:s3cret:POST:0}}</p>"
        f"<p>{{WEBHOOKJS:{stack.receiver.url('/js')}}}</p>"
    )
    return stack.call(
        "content_render",
        "POST",
        "/v1/content/render",
        body={"content": content, "context": {"session": session}},
    )


def _rendered_once(stack: Stack, session: str) -> None:
    """Only the render that succeeded wrote: three deliveries and the two locks, which now suppress
    the locked codes of the same render again while the lock-0 code goes out once more."""

    def mine() -> list[dict[str, Any]]:
        return [
            i
            for i in _scan(stack.tables["WebhooksTable"])
            if str(i["PK"]).startswith("DELIVERY#") and session in f"{i.get('body', '')} {i['url']}"
        ]

    assert len(mine()) == 3, mine()
    again = _render_several(stack, session)
    assert (again.json["queued"], again.json["suppressed"]) == (1, 2), again.body
    assert len(mine()) == 4


def _test_call(stack: Stack, _: Any) -> Reply:
    return stack.call(
        "webhooks_test",
        "POST",
        f"/v1/webhooks/{stack.webhook_id}/test",
        resource="/v1/webhooks/{webhookId}/test",
        path_parameters={"webhookId": stack.webhook_id},
    )


def _subscribe(stack: Stack, _: Any) -> Reply:
    body = {
        "code": f"{{WEBHOOK:{stack.receiver.url('/second')}:other:POST}}",
        "programs": [stack.program_id],
        "types": ["AI_COMP_SUCCESS"],
    }
    return stack.call("webhooks_create", "POST", "/v1/webhooks", body=body)


def _create_account(_stack: Stack, _: Any) -> Reply:
    return admin(
        "admin_create_account",
        "POST",
        "/admin/accounts",
        "/admin/accounts",
        {"name": "Beta", "accountId": _unique("b")},
    )


def _create_key(stack: Stack, _: Any) -> Reply:
    return admin(
        "admin_create_key",
        "POST",
        f"/admin/accounts/{stack.account_id}/keys",
        "/admin/accounts/{accountId}/keys",
        {"scopes": ["webtracking"]},
        accountId=stack.account_id,
    )


def _create_program(stack: Stack, _: Any) -> Reply:
    return admin(
        "admin_create_program",
        "POST",
        f"/admin/accounts/{stack.account_id}/programs",
        "/admin/accounts/{accountId}/programs",
        {"programId": _unique("CRM-").upper(), "name": "CRM"},
        accountId=stack.account_id,
    )


def _spare_key(stack: Stack) -> str:
    key, _secret = tenancy.create_key(stack.account_id, ["webtracking"], "to revoke")
    return key.user_id


def _revoke_key(stack: Stack, user_id: str) -> Reply:
    return admin(
        "admin_revoke_key",
        "DELETE",
        f"/admin/accounts/{stack.account_id}/keys/{user_id}",
        "/admin/accounts/{accountId}/keys/{userId}",
        accountId=stack.account_id,
        userId=user_id,
    )


def _account_with_keys(_stack: Stack) -> str:
    account = tenancy.create_account("Gamma", _unique("g"))
    for scopes in (["webtracking"], ["collector"]):
        tenancy.create_key(account.account_id, scopes, "to revoke with the account")
    return account.account_id


def _revoke_account(_stack: Stack, account_id: str) -> Reply:
    return admin(
        "admin_revoke_account",
        "DELETE",
        f"/admin/accounts/{account_id}",
        "/admin/accounts/{accountId}",
        accountId=account_id,
    )


def _account_and_keys_revoked(_stack: Stack, account_id: str) -> None:
    """The account and every key of it were revoked together."""
    assert not tenancy.existing_account(account_id).active
    keys = tenancy.list_keys(account_id)
    assert len(keys) == 2 and not any(k.active for k in keys), keys


def _linked_program(stack: Stack) -> str:
    """A program that subscribes to ACME-LMS and that another program subscribes to."""
    program = tenancy.create_program(stack.account_id, _unique("P-").upper(), "to revoke").program_id
    reader = tenancy.create_program(stack.account_id, _unique("R-").upper(), "reader").program_id
    tenancy.create_subscription(program, stack.program_id)
    tenancy.create_subscription(reader, program)
    return program


def _revoke_program(stack: Stack, program_id: str) -> Reply:
    return admin(
        "admin_revoke_program",
        "DELETE",
        f"/admin/accounts/{stack.account_id}/programs/{program_id}",
        "/admin/accounts/{accountId}/programs/{programId}",
        accountId=stack.account_id,
        programId=program_id,
    )


def _program_and_links_gone(_stack: Stack, program_id: str) -> None:
    """The program was revoked and its subscriptions, both ways, went with it."""
    program, subscribers = tenancy_repository.program_with_subscriptions(program_id)
    assert program is not None and not program.active
    assert subscribers == [] and tenancy_repository.subscriptions_of(program_id) == []


def _create_tracking_code(stack: Stack, _: Any) -> Reply:
    return admin(
        "admin_create_tracking_code",
        "POST",
        f"/admin/accounts/{stack.account_id}/tracking-codes",
        "/admin/accounts/{accountId}/tracking-codes",
        {"name": "second game", "trackingCode": _unique("game-")},
        accountId=stack.account_id,
    )


def _pushed_once(stack: Stack, web_token: str) -> None:
    pulled = stack.call("webtracking_pull", "POST", "/v1/webtracking/pull", body={"webToken": web_token})
    data = pulled.json["data"]
    assert (data["progress"], data["complete"]) == (100, 1), data
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    items = dynamodb.Table(stack.tables["EventsTable"]).scan(ConsistentRead=True)["Items"]
    pathway = data["pathway"]["ID"]  # this launch's own pathway
    types = sorted(
        str(i["EventType"]) for i in items if i["SK"] == "EVENT" and pathway in str(i["PublisherEventData"])
    )
    assert types == ["AI_COMP_SUCCESS", "AI_STARTED"], types


def _touched(item: dict[str, Any]) -> bool:
    """A track commits its statements, postings and completion events in one transaction: a failure
    leaves only the token's sliding lastAccessed touch (its first call)."""
    return bool(item["SK"] == "TOKEN")


def _scan(name: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name=REGION).Table(name)
    page = table.scan(ConsistentRead=True)
    items = page["Items"]
    while "LastEvaluatedKey" in page:
        page = table.scan(ConsistentRead=True, ExclusiveStartKey=page["LastEvaluatedKey"])
        items += page["Items"]
    return items


def _tracked_once(stack: Stack, token: str) -> None:
    """Every failed attempt and the final success together stored the batch exactly once: three
    statements of the session and one completion event."""
    hashed = hashlib.sha256(token.encode("utf-8")).hexdigest()
    collector = boto3.resource("dynamodb", region_name=REGION).Table(stack.tables["CollectorTable"])
    gameplay = collector.get_item(Key={"PK": f"TOKEN#{hashed}", "SK": "TOKEN"})["Item"]["gameplayId"]
    mine = [
        json.loads(str(i["statement"]))
        for i in _scan(stack.tables["StatementsTable"])
        if i["SK"] == "STMT" and (i.get("context") or {}).get("gameplayId") == gameplay
    ]
    verbs = sorted(str(s["verb"]["id"]).rsplit("/", 1)[1] for s in mine)
    assert verbs == ["completed", "initialized", "progressed"], verbs
    completed = next(s["id"] for s in mine if s["verb"]["id"].endswith("/completed"))
    events = [
        i
        for i in _scan(stack.tables["EventsTable"])
        if i["SK"] == "EVENT" and i.get("PublisherEventId") == completed
    ]
    assert len(events) == 1, events


WRITE_PATHS = (
    WritePath("events publish", "hub", _publish),
    WritePath(
        "web tracking push",
        "falkor",
        _push,
        lambda stack: launch(stack.account_id),
        converged=_pushed_once,
    ),
    WritePath("web tracking pull", "falkor", _pull),
    WritePath("collector start", "rage", _start),
    WritePath("collector resume", "rage", _resume, _anonymous_player, converged=_resumed_once),
    WritePath(
        "collector identified start",
        "rage",
        _identified_start,
        lambda stack: _unique("dora-"),
        converged=_identified_once,
    ),
    WritePath("collector track", "rage", _track, _session, may_leave=_touched, converged=_tracked_once),
    WritePath("webhook render", "hub", _render),
    WritePath(
        "webhook render several codes",
        "hub",
        _render_several,
        _viewer,
        converged=_rendered_once,
    ),
    WritePath("webhook test", "hub", _test_call),
    WritePath("webhook subscription", "hub", _subscribe),
    WritePath("admin create account", "hub", _create_account),
    WritePath("admin create key", "hub", _create_key),
    WritePath("admin create program", "hub", _create_program),
    WritePath("admin revoke key", "hub", _revoke_key, _spare_key),
    WritePath("admin create tracking code", "hub", _create_tracking_code),
    WritePath("admin delete player", "hub", _delete_player, _player_with_sessions, converged=_player_gone),
    WritePath(
        "admin revoke account",
        "hub",
        _revoke_account,
        _account_with_keys,
        converged=_account_and_keys_revoked,
    ),
    WritePath(
        "admin revoke program", "hub", _revoke_program, _linked_program, converged=_program_and_links_gone
    ),
)


# ------------------------------------------------------------------ state (read with clients of
# their own, which the injector does not touch)
def snapshot(stack: Stack) -> dict[str, Any]:
    """Every item of every table, and how many messages each webhook queue holds."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    state: dict[str, Any] = {}
    for name in stack.tables.values():
        items = dynamodb.Table(name).scan(ConsistentRead=True)["Items"]
        state[name] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    sqs = boto3.client("sqs", region_name=REGION)
    for url in (stack.queue_url, stack.dlq_url):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        state[url] = int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
    return state


def without(state: dict[str, Any], leftover: Callable[[dict[str, Any]], bool] | None) -> dict[str, Any]:
    if leftover is None:
        return state
    return {
        name: [i for i in value if not leftover(i)] if isinstance(value, list) else value
        for name, value in state.items()
    }


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What differs between two snapshots (for a readable assertion message)."""
    diff: dict[str, Any] = {}
    for name in after:
        if before.get(name) != after[name]:
            if isinstance(after[name], list):
                old = {json.dumps(i, sort_keys=True, default=str) for i in before.get(name, [])}
                new = {json.dumps(i, sort_keys=True, default=str) for i in after[name]}
                diff[name] = {"added": sorted(new - old)[:5], "removed": sorted(old - new)[:5]}
            else:
                diff[name] = (before.get(name), after[name])
    return diff


def assert_clean_503(path: WritePath, reply: Reply) -> None:
    """A 503 in the path's dialect, with the Retry-After the hub promises for 503s."""
    assert reply.status == 503, f"{path.name}: {reply.status} {reply.body}"
    body = reply.json
    assert reply.headers.get("Retry-After") == "1", reply.headers
    if path.dialect == "falkor":
        assert body["status"] == "error" and body["message"], body
    elif path.dialect == "rage":
        assert set(body) == {"message"} and body["message"], body
    else:
        assert body["code"] == "unavailable" and body["message"], body
