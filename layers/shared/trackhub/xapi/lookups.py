"""The xAPI Activities and Agents resources: what the LRS knows of an activity or a person, read
from the statements that mention them.

Both read the statements' existing posting items (repository: `ract` / `ragent` partitions of the
ByPosting index; a posting lists its write group's statement ids), newest first with a Limit
(`LOOKUP_STATEMENTS`), then at most LOOKUP_STATEMENTS of those statements by key.
Nothing is written for them: the statement write path stays as it is. Hence "most complete" means
the merge of the definitions in the latest LOOKUP_STATEMENTS statements that mention the activity.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from boto3.dynamodb.conditions import Key

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import NotFound
from trackhub.storage.clients import table
from trackhub.storage.errors import unavailable_on_outage
from trackhub.xapi import repository
from trackhub.xapi.documents import agent, bad, iri
from trackhub.xapi.models import agent_ifi, index_value

LOOKUP_STATEMENTS = 25  # statements read per lookup (one Query page + one BatchGetItem)
_LANGUAGE_MAPS = ("name", "description")


def _recent(account_id: str, field: str, value: str) -> list[dict[str, Any]]:
    """The latest statements (newest first) whose `field` posting holds `value`."""
    with unavailable_on_outage("the statements table"):
        page = table(repository.table_name()).query(
            IndexName=repository.POSTING_INDEX[0],
            KeyConditionExpression=Key(repository.POSTING_INDEX[1]).eq(
                f"{account_id}#{field}#{index_value(value)}"
            ),
            ScanIndexForward=False,
            Limit=LOOKUP_STATEMENTS,
            ProjectionExpression="I, statementId, #b",
            ExpressionAttributeNames={"#b": repository.BATCH_ATTRIBUTE},
        )
    listed: list[tuple[str, str | None]] = []  # id, the batch of the posting listing it
    for posting in page.get("Items", []):  # a posting lists its write group's ids, oldest first
        owner = str(posting[repository.BATCH_ATTRIBUTE]) if posting.get(repository.BATCH_ATTRIBUTE) else None
        listed += [
            (i, owner) for i in reversed(repository.posting_ids(posting) or [str(posting["statementId"])])
        ]
    listed = listed[:LOOKUP_STATEMENTS]
    items = repository.get_items(account_id, (i for i, _ in listed))
    owners = [{repository.BATCH_ATTRIBUTE: owner} for _, owner in listed if owner]
    hidden = repository.uncommitted(account_id, [*items.values(), *owners])  # no call without batches
    return [
        json.loads(items[i]["statement"])
        for i, owner in listed
        if i in items
        and not items[i].get("voided")
        and owner not in hidden
        and not repository.in_batch(items[i], hidden)
    ]


def _nodes(statement: Mapping[str, Any]) -> Iterator[Any]:
    """Every place of a statement (and its SubStatement) an activity or an agent can sit."""
    for name in ("actor", "object", "authority"):
        yield statement.get(name)
    context = statement.get("context")
    if isinstance(context, dict):
        yield context.get("instructor")
        yield context.get("team")
        for value in (context.get("contextActivities") or {}).values():
            yield from value if isinstance(value, list) else [value]
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        yield from _nodes(obj)
    for node in (statement.get("actor"), obj, context.get("team") if isinstance(context, dict) else None):
        if isinstance(node, dict) and isinstance(node.get("member"), list):
            yield from node["member"]


def _merge_definition(into: dict[str, Any], definition: Mapping[str, Any]) -> None:
    """A newer definition's properties win; language maps and extensions are merged key by key."""
    for key, value in definition.items():
        if key in (*_LANGUAGE_MAPS, "extensions") and isinstance(value, dict):
            into[key] = {**(into.get(key) or {}), **value}
        else:
            into[key] = value


def activity(principal: Principal, params: Mapping[str, str]) -> dict[str, Any]:
    """GET /xapi/activities?activityId=: the Activity with every definition property seen; 404 when
    no statement of the account mentions it."""
    require_part(principal, Part.COLLECTOR)
    unknown = sorted(set(params) - {"activityId"})
    if unknown:
        raise bad(unknown[0], "is not a parameter of GET /xapi/activities")
    activity_id = iri("activityId", params.get("activityId"))
    statements = _recent(principal.account_id, "ract", activity_id)
    if not statements:
        raise NotFound(f"activityId: no statement mentions {activity_id!r}")
    definition: dict[str, Any] = {}
    for statement in reversed(statements):  # oldest first: the newest definition wins
        for node in _nodes(statement):
            if (
                isinstance(node, dict)
                and node.get("objectType", "Activity") == "Activity"
                and node.get("id") == activity_id
                and isinstance(node.get("definition"), dict)
            ):
                _merge_definition(definition, node["definition"])
    found: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        found["definition"] = definition
    return found


def _add(person: dict[str, list[Any]], key: str, value: Any) -> None:
    if value is not None and value not in person.setdefault(key, []):
        person[key].append(value)


def person(principal: Principal, params: Mapping[str, str]) -> dict[str, Any]:
    """GET /xapi/agents?agent=: a Person with the agent's own name and IFI, plus the names the
    account's latest statements give that IFI (xAPI keeps one IFI per agent, so the IFI lists hold
    the given one)."""
    require_part(principal, Part.COLLECTOR)
    unknown = sorted(set(params) - {"agent"})
    if unknown:
        raise bad(unknown[0], "is not a parameter of GET /xapi/agents")
    given = agent(params.get("agent"))
    ifi = str(agent_ifi(given))
    found: dict[str, list[Any]] = {}
    _add(found, "name", given.get("name"))
    for statement in _recent(principal.account_id, "ragent", ifi):
        for node in _nodes(statement):
            if isinstance(node, dict) and agent_ifi(node) == ifi:
                _add(found, "name", node.get("name") if isinstance(node.get("name"), str) else None)
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        _add(found, key, given.get(key))
    return {"objectType": "Person", **{k: v for k, v in found.items() if v}}
