"""xAPI statement rules the store is built on: the versions, the limits, ids, the index values and
filter tags of a statement (the records it is stored and read as are in records.py).

The statement itself is kept as the client sent it plus the properties an LRS sets (`id`, `stored`,
`authority`, `version`); what the hub knows about where it came from (the collector session) sits
beside it in `context`, never inside it as bare, non-IRI keys.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

XAPI_VERSION = "1.0.3"
STATEMENT_VERSION = "1.0.0"  # the `version` an LRS fills in when a statement has none
COMPLETED_VERB = "http://adlnet.gov/expapi/verbs/completed"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@functools.lru_cache(maxsize=4096)  # a batch repeats its actor, verbs and activities
def index_value(value: str) -> str:
    """Index keys hold a digest: an IRI may be longer than a DynamoDB key may be."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


def agent_ifi(agent: Any) -> str | None:
    """The inverse functional identifier of an Agent or Group as one string (None without one)."""
    if not isinstance(agent, dict):
        return None
    for key in ("mbox", "mbox_sha1sum", "openid"):
        value = agent.get(key)
        if isinstance(value, str) and value:
            return f"{key}:{value}"
    account = agent.get("account")
    if isinstance(account, dict):
        home, name = account.get("homePage"), account.get("name")
        if isinstance(home, str) and isinstance(name, str):
            return f"account:{home}|{name}"
    return None


def activity_id(statement: dict[str, Any]) -> str | None:
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity":
        value = obj.get("id")
        return value if isinstance(value, str) and value else None
    return None


def verb_id(statement: dict[str, Any]) -> str | None:
    verb = statement.get("verb")
    value = verb.get("id") if isinstance(verb, dict) else None
    return value if isinstance(value, str) and value else None


def registration(statement: dict[str, Any]) -> str | None:
    context = statement.get("context")
    value = context.get("registration") if isinstance(context, dict) else None
    return value.lower() if isinstance(value, str) and value else None


VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

# The filter values a statement answers to, by field (see repository: postings and the `F` set).
# agent/act: the direct matches (actor or Agent/Group object; Activity object); ragent/ract: the
# broad ones of related_agents / related_activities (also authority, instructor, team, context
# activities and all of these inside a SubStatement).
FIELDS = ("agent", "ragent", "act", "ract", "verb", "reg")


def _ifis(*agents: Any) -> set[str]:
    return {ifi for ifi in (agent_ifi(a) for a in agents) if ifi}


def _context_activity_ids(context: Any) -> set[str]:
    found: set[str] = set()
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(activities, dict):
        return found
    for value in activities.values():
        for activity in value if isinstance(value, list) else [value]:
            if isinstance(activity, dict) and isinstance(activity.get("id"), str):
                found.add(activity["id"])
    return found


def _broad(statement: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(related agents, related activities) of a statement or SubStatement."""
    raw_obj, raw_context = statement.get("object"), statement.get("context")
    obj: dict[str, Any] = raw_obj if isinstance(raw_obj, dict) else {}
    context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
    kind = obj.get("objectType", "Activity")
    agents = _ifis(statement.get("actor"), statement.get("authority"))
    agents |= _ifis(context.get("instructor"), context.get("team"))
    activities = _context_activity_ids(context)
    if kind in ("Agent", "Group"):
        agents |= _ifis(obj)
    elif kind == "Activity" and isinstance(obj.get("id"), str):
        activities.add(obj["id"])
    elif kind == "SubStatement":
        sub_agents, sub_activities = _broad(obj)
        agents |= sub_agents
        activities |= sub_activities
    return agents, activities


def filter_values(statement: dict[str, Any]) -> dict[str, set[str]]:
    """Every value of every filter field this statement matches (raw: IRIs, IFIs, registrations)."""
    obj = statement.get("object")
    direct_agents = _ifis(statement.get("actor"))
    if isinstance(obj, dict) and obj.get("objectType") in ("Agent", "Group"):
        direct_agents |= _ifis(obj)
    activity = activity_id(statement)
    agents, activities = _broad(statement)
    verb, reg = verb_id(statement), registration(statement)
    return {
        "agent": direct_agents,
        "ragent": agents | direct_agents,
        "act": {activity} if activity else set(),
        "ract": activities,
        "verb": {verb} if verb else set(),
        "reg": {reg} if reg else set(),
    }


def filter_tags(statement: dict[str, Any]) -> set[str]:
    """`<field>#<digest>` for each filter value: the set a query's filters are matched against."""
    return {f"{name}#{index_value(v)}" for name, values in filter_values(statement).items() for v in values}


def statement_ref(statement: dict[str, Any]) -> str | None:
    """The id a StatementRef object targets (lower case), else None."""
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "StatementRef" and isinstance(obj.get("id"), str):
        return str(obj["id"]).lower()
    return None


def is_voiding(statement: dict[str, Any]) -> bool:
    return verb_id(statement) == VOIDED_VERB and statement_ref(statement) is not None


ABOUT: dict[str, Any] = {"version": ["1.0.3", "1.0.2", "1.0.1", "1.0.0"], "extensions": {}}
