"""xAPI 1.0.3 statement validation for LRS writes: a rule table plus plain functions over dicts.

Every rejection names the JSON path and one rule of RULES (`statement.actor.mbox: must be a mailto
IRI`), so callers answer 400 and tests can assert the exact rule. Stdlib + re only: this module is
imported on every LRS cold start (see docs/xapi-validation.md for the figures behind the choice).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from trackhub.errors import InvalidInput

# The rule table: code -> what the rule demands. Tests keep one invalid case per code in step.
RULES: dict[str, str] = {
    "object": "must be a JSON object",
    "array": "must be an array",
    "non_empty_array": "must be a non-empty array",
    "string": "must be a string",
    "number": "must be a finite number",
    "boolean": "must be a boolean",
    "integer": "must be a non-negative integer",
    "null": "must not be null (null is allowed only inside extensions)",
    "unknown_property": "is not a property the xAPI specification allows here (keys are case-sensitive)",
    "required": "is required",
    "uuid": "must be a UUID in canonical string form",
    "iri": "must be an absolute IRI with a scheme",
    "irl": "must be an absolute IRL with a scheme",
    "mailto": "must be a mailto IRI",
    "sha1": "must be 40 hexadecimal characters",
    "sha2": "must be a hexadecimal SHA-2 digest",
    "content_type": "must be an Internet Media Type (type/subtype)",
    "language_tag": "must be an RFC 5646 language tag",
    "timestamp": "must be an ISO 8601 date-time (a zero offset is Z or +00:00, never -00)",
    "duration": "must be an ISO 8601 duration",
    "version": "must be 1.0 or 1.0.x",
    "agent_object_type": "must be 'Agent'",
    "group_object_type": "must be 'Group'",
    "actor_object_type": "must be 'Agent' or 'Group'",
    "object_type": "must be 'Activity', 'Agent', 'Group', 'StatementRef' or 'SubStatement'",
    "statement_ref_object_type": "must be 'StatementRef'",
    "agent_one_ifi": "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account",
    "group_one_ifi": "a Group has at most one of mbox, mbox_sha1sum, openid, account",
    "anonymous_group_members": "an anonymous Group (no identifier) needs a non-empty member list",
    "authority_group": "an authority Group must be anonymous with exactly two Agent members",
    "interaction_type": "must be one of the xAPI interaction types (case-sensitive)",
    "interaction_type_required": "is required with correctResponsesPattern or interaction components",
    "interaction_components": "this component list is not allowed for the activity's interactionType",
    "component_id_unique": "interaction component ids must be distinct within the list",
    "scaled_range": "must be between -1 and 1",
    "min_max": "min must be less than max",
    "raw_range": "raw must lie between min and max",
    "context_activity_only": "is allowed only when the statement's object is an Activity",
    "substatement_forbidden": "is not allowed in a SubStatement",
    "nested_substatement": "a SubStatement must not contain another SubStatement",
    "voiding_object": "a voiding statement's object must be a StatementRef",
}

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"


class StatementInvalid(InvalidInput):
    """A statement breaks an xAPI rule; the message names the JSON path and the rule."""

    def __init__(self, path: str, rule: str) -> None:
        super().__init__(
            f"{path}: {RULES[rule]}", details=[{"field": path, "problem": RULES[rule], "rule": rule}]
        )
        self.path = path
        self.rule = rule


# ---------------------------------------------------------------------------- formats

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 3987 absolute IRI: a scheme, a colon and a non-empty rest without whitespace.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+")
_MAILTO = re.compile(r"mailto:[^@\s]+@[^@\s]+")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
_SHA2 = re.compile(r"[0-9a-fA-F]{56}(?:[0-9a-fA-F]{8}(?:[0-9a-fA-F]{32}(?:[0-9a-fA-F]{32})?)?)?")
_CONTENT_TYPE = re.compile(r"[\w!#$&^.+\-]+/[\w!#$&^.+\-]+(?:\s*;.*)?", re.DOTALL | re.ASCII)
_VERSION = re.compile(r"1\.0(?:\.\d+)?", re.ASCII)
_DURATION = re.compile(
    r"P(?:\d+(?:[.,]\d+)?W"
    r"|(?=\d|T\d)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?)",
    re.ASCII,
)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)
# RFC 5646 Language-Tag (langtag / privateuse / grandfathered), matched on the lower-cased tag
# (re.IGNORECASE would cost ~5 ms of compile time on every cold start).
_ALNUM = "[a-z0-9]"
_LANGTAG = (
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language + extlang
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|\d{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|\d{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9a-wyz](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_GRANDFATHERED = (
    "en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|"
    "i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|"
    "zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
_LANGUAGE = re.compile(rf"(?:{_LANGTAG}|x(?:-{_ALNUM}{{1,8}})+|{_GRANDFATHERED})")


def _names(names: str) -> frozenset[str]:
    return frozenset(names.split())


INTERACTION_TYPES = _names(
    "true-false choice fill-in long-fill-in matching performance sequencing likert numeric other"
)
# Which interaction component lists each interactionType may carry (xAPI 1.0.3, Data 2.4.4.1).
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_INTERACTION_KEYS = ("correctResponsesPattern", *_COMPONENT_LISTS)
_ALLOWED_COMPONENTS: dict[str, frozenset[str]] = {
    "choice": _names("choices"),
    "sequencing": _names("choices"),
    "likert": _names("scale"),
    "matching": _names("source target"),
    "performance": _names("steps"),
}

# Allowed properties per object (xAPI 1.0.3 Data 2.4); anything else, any other case, is rejected.
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
STATEMENT_KEYS = _names("id actor verb object result context timestamp stored authority version attachments")
SUBSTATEMENT_KEYS = _names("objectType actor verb object result context timestamp attachments")
AGENT_KEYS = _names("objectType name mbox mbox_sha1sum openid account")
GROUP_KEYS = AGENT_KEYS | {"member"}
ACCOUNT_KEYS = _names("homePage name")
VERB_KEYS = _names("id display")
ACTIVITY_KEYS = _names("objectType id definition")
DEFINITION_KEYS = _names(
    "name description type moreInfo extensions interactionType correctResponsesPattern"
) | set(_COMPONENT_LISTS)
COMPONENT_KEYS = _names("id description")
STATEMENT_REF_KEYS = _names("objectType id")
RESULT_KEYS = _names("score success completion response duration extensions")
SCORE_KEYS = _names("scaled raw min max")
CONTEXT_KEYS = _names(
    "registration instructor team contextActivities revision platform language statement extensions"
)
CONTEXT_ACTIVITIES_KEYS = _names("parent grouping category other")
ATTACHMENT_KEYS = _names("usageType display description contentType length sha2 fileUrl")


# ---------------------------------------------------------------------------- primitives


def _object(value: object, path: str, allowed: frozenset[str]) -> dict[str, Any]:
    """A JSON object with only `allowed` keys and no null values (nulls live only in extensions)."""
    if type(value) is not dict:
        raise StatementInvalid(path, "object")
    for key, item in value.items():
        if key not in allowed:
            raise StatementInvalid(f"{path}.{key}", "unknown_property")
        if item is None:
            raise StatementInvalid(f"{path}.{key}", "null")
    return value


def _require(d: dict[str, Any], path: str, *keys: str) -> None:
    for key in keys:
        if key not in d:
            raise StatementInvalid(f"{path}.{key}", "required")


def _string(value: object, path: str) -> str:
    if type(value) is not str:
        raise StatementInvalid(path, "string")
    return value


def _formatted(value: object, path: str, pattern: re.Pattern[str], rule: str) -> str:
    if type(value) is not str:
        raise StatementInvalid(path, "string")
    if pattern.fullmatch(value) is None:
        raise StatementInvalid(path, rule)
    return value


def _number(value: object, path: str) -> float:
    # bool is an int subclass in Python but a distinct JSON type.
    if type(value) is int:
        return value
    if type(value) is not float or not math.isfinite(value):
        raise StatementInvalid(path, "number")
    return value


def _boolean(value: object, path: str) -> None:
    if type(value) is not bool:
        raise StatementInvalid(path, "boolean")


def _array(value: object, path: str) -> list[Any]:
    if type(value) is not list:
        raise StatementInvalid(path, "array")
    return value


def _language_map(value: object, path: str) -> None:
    if type(value) is not dict:
        raise StatementInvalid(path, "object")
    for tag, text in value.items():
        if _LANGUAGE.fullmatch(tag.lower()) is None:
            raise StatementInvalid(f"{path}.{tag}", "language_tag")
        if text is None:
            raise StatementInvalid(f"{path}.{tag}", "null")
        if type(text) is not str:
            raise StatementInvalid(f"{path}.{tag}", "string")


def _extensions(value: object, path: str) -> None:
    """Keys are absolute IRIs; values are any JSON, null included."""
    if type(value) is not dict:
        raise StatementInvalid(path, "object")
    for key in value:
        if _IRI.fullmatch(key) is None:
            raise StatementInvalid(f"{path}.{key}", "iri")


def _timestamp(value: object, path: str) -> None:
    text = _string(value, path)
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise StatementInvalid(path, "timestamp")
    year, month, day, hour, minute, second, _fraction, zone = match.groups()
    if zone is not None and zone != "Z":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        # RFC 3339 reserves -00:00 for "offset unknown"; xAPI 1.0.3 forbids it (Data 4.5).
        if hours > 23 or minutes > 59 or (zone[0] == "-" and hours == minutes == 0):
            raise StatementInvalid(path, "timestamp")
    try:  # the calendar: month lengths, leap years, hour and minute ranges
        datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        raise StatementInvalid(path, "timestamp") from None


# ---------------------------------------------------------------------------- actors


def _ifis(d: dict[str, Any], path: str) -> int:
    """Validate the inverse functional identifiers present and return how many there are."""
    count = 0
    if "mbox" in d:
        _formatted(d["mbox"], f"{path}.mbox", _MAILTO, "mailto")
        count += 1
    if "mbox_sha1sum" in d:
        _formatted(d["mbox_sha1sum"], f"{path}.mbox_sha1sum", _SHA1, "sha1")
        count += 1
    if "openid" in d:
        _formatted(d["openid"], f"{path}.openid", _IRI, "iri")
        count += 1
    if "account" in d:
        account_path = f"{path}.account"
        account = _object(d["account"], account_path, ACCOUNT_KEYS)
        _require(account, account_path, "homePage", "name")
        _formatted(account["homePage"], f"{account_path}.homePage", _IRI, "irl")
        _string(account["name"], f"{account_path}.name")
        count += 1
    if "name" in d:
        _string(d["name"], f"{path}.name")
    return count


def _agent(value: object, path: str) -> dict[str, Any]:
    d = _object(value, path, AGENT_KEYS)
    if "objectType" in d and d["objectType"] != "Agent":
        raise StatementInvalid(f"{path}.objectType", "agent_object_type")
    if _ifis(d, path) != 1:
        raise StatementInvalid(path, "agent_one_ifi")
    return d


def _group(value: object, path: str) -> dict[str, Any]:
    d = _object(value, path, GROUP_KEYS)
    if d.get("objectType") != "Group":
        raise StatementInvalid(f"{path}.objectType", "group_object_type")
    identified = _ifis(d, path)
    if identified > 1:
        raise StatementInvalid(path, "group_one_ifi")
    members: list[Any] = []
    if "member" in d:
        members = _array(d["member"], f"{path}.member")
        for index, member in enumerate(members):
            _agent(member, f"{path}.member[{index}]")
    if not identified and not members:
        raise StatementInvalid(f"{path}.member", "anonymous_group_members")
    return d


def _actor(value: object, path: str) -> dict[str, Any]:
    if type(value) is dict and "objectType" in value:
        kind = value["objectType"]
        if kind == "Group":
            return _group(value, path)
        if kind != "Agent":
            raise StatementInvalid(f"{path}.objectType", "actor_object_type")
    return _agent(value, path)


def _authority(value: object, path: str) -> None:
    d = _actor(value, path)
    # OAuth's authority Group is the anonymous pair (application, user): exactly two Agents.
    if d.get("objectType") == "Group" and (any(ifi in d for ifi in _IFIS) or len(d.get("member", ())) != 2):
        raise StatementInvalid(path, "authority_group")


# ---------------------------------------------------------------------------- verb and object


def _verb(value: object, path: str) -> dict[str, Any]:
    d = _object(value, path, VERB_KEYS)
    _require(d, path, "id")
    _formatted(d["id"], f"{path}.id", _IRI, "iri")
    if "display" in d:
        _language_map(d["display"], f"{path}.display")
    return d


def _components(value: object, path: str) -> None:
    seen: set[str] = set()
    for index, component in enumerate(_array(value, path)):
        item_path = f"{path}[{index}]"
        c = _object(component, item_path, COMPONENT_KEYS)
        _require(c, item_path, "id")
        component_id = _string(c["id"], f"{item_path}.id")
        if component_id in seen:
            raise StatementInvalid(f"{item_path}.id", "component_id_unique")
        seen.add(component_id)
        if "description" in c:
            _language_map(c["description"], f"{item_path}.description")


def _definition(value: object, path: str) -> None:
    d = _object(value, path, DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in d:
            _language_map(d[key], f"{path}.{key}")
    if "type" in d:
        _formatted(d["type"], f"{path}.type", _IRI, "iri")
    if "moreInfo" in d:
        _formatted(d["moreInfo"], f"{path}.moreInfo", _IRI, "irl")
    if "extensions" in d:
        _extensions(d["extensions"], f"{path}.extensions")
    interaction = d.get("interactionType")
    if interaction is not None and (type(interaction) is not str or interaction not in INTERACTION_TYPES):
        raise StatementInvalid(f"{path}.interactionType", "interaction_type")
    if interaction is None and any(key in d for key in _INTERACTION_KEYS):
        raise StatementInvalid(f"{path}.interactionType", "interaction_type_required")
    if "correctResponsesPattern" in d:
        patterns_path = f"{path}.correctResponsesPattern"
        for index, pattern in enumerate(_array(d["correctResponsesPattern"], patterns_path)):
            _string(pattern, f"{patterns_path}[{index}]")
    allowed = _ALLOWED_COMPONENTS.get(interaction or "", frozenset())
    for key in _COMPONENT_LISTS:
        if key in d:
            if key not in allowed:
                raise StatementInvalid(f"{path}.{key}", "interaction_components")
            _components(d[key], f"{path}.{key}")


def _activity(value: object, path: str) -> None:
    d = _object(value, path, ACTIVITY_KEYS)
    if "objectType" in d and d["objectType"] != "Activity":
        raise StatementInvalid(f"{path}.objectType", "object_type")
    _require(d, path, "id")
    _formatted(d["id"], f"{path}.id", _IRI, "iri")
    if "definition" in d:
        _definition(d["definition"], f"{path}.definition")


def _statement_ref(value: object, path: str) -> None:
    d = _object(value, path, STATEMENT_REF_KEYS)
    if d.get("objectType") != "StatementRef":
        raise StatementInvalid(f"{path}.objectType", "statement_ref_object_type")
    _require(d, path, "id")
    _formatted(d["id"], f"{path}.id", _UUID, "uuid")


def _statement_object(value: object, path: str, *, in_substatement: bool) -> str:
    """Validate a statement's object and return its objectType (Activity when absent)."""
    if type(value) is not dict:
        raise StatementInvalid(path, "object")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        _activity(value, path)
    elif kind == "Agent":
        _agent(value, path)
    elif kind == "Group":
        _group(value, path)
    elif kind == "StatementRef":
        _statement_ref(value, path)
    elif kind == "SubStatement":
        if in_substatement:
            raise StatementInvalid(f"{path}.objectType", "nested_substatement")
        _substatement(value, path)
    else:
        raise StatementInvalid(f"{path}.objectType", "object_type")
    return str(kind)


# ---------------------------------------------------------------------------- result, context, attachments


def _result(value: object, path: str) -> None:
    d = _object(value, path, RESULT_KEYS)
    if "score" in d:
        score_path = f"{path}.score"
        score = _object(d["score"], score_path, SCORE_KEYS)
        numbers = {key: _number(item, f"{score_path}.{key}") for key, item in score.items()}
        if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
            raise StatementInvalid(f"{score_path}.scaled", "scaled_range")
        low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
        if low is not None and high is not None and not low < high:
            raise StatementInvalid(f"{score_path}.max", "min_max")
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            raise StatementInvalid(f"{score_path}.raw", "raw_range")
    for key in ("success", "completion"):
        if key in d:
            _boolean(d[key], f"{path}.{key}")
    if "response" in d:
        _string(d["response"], f"{path}.response")
    if "duration" in d:
        _formatted(d["duration"], f"{path}.duration", _DURATION, "duration")
    if "extensions" in d:
        _extensions(d["extensions"], f"{path}.extensions")


def _context(value: object, path: str, object_kind: str) -> None:
    d = _object(value, path, CONTEXT_KEYS)
    if "registration" in d:
        _formatted(d["registration"], f"{path}.registration", _UUID, "uuid")
    if "instructor" in d:
        _actor(d["instructor"], f"{path}.instructor")
    if "team" in d:
        _group(d["team"], f"{path}.team")
    if "contextActivities" in d:
        activities_path = f"{path}.contextActivities"
        activities = _object(d["contextActivities"], activities_path, CONTEXT_ACTIVITIES_KEYS)
        for key, item in activities.items():
            # A single Activity object is allowed and normalised to an array by the LRS.
            if type(item) is list:
                for index, activity in enumerate(item):
                    _activity(activity, f"{activities_path}.{key}[{index}]")
            else:
                _activity(item, f"{activities_path}.{key}")
    for key in ("revision", "platform"):
        if key in d:
            _string(d[key], f"{path}.{key}")
            if object_kind != "Activity":
                raise StatementInvalid(f"{path}.{key}", "context_activity_only")
    if "language" in d and _LANGUAGE.fullmatch(_string(d["language"], f"{path}.language").lower()) is None:
        raise StatementInvalid(f"{path}.language", "language_tag")
    if "statement" in d:
        _statement_ref(d["statement"], f"{path}.statement")
    if "extensions" in d:
        _extensions(d["extensions"], f"{path}.extensions")


def _attachments(value: object, path: str) -> None:
    for index, attachment in enumerate(_array(value, path)):
        item_path = f"{path}[{index}]"
        a = _object(attachment, item_path, ATTACHMENT_KEYS)
        _require(a, item_path, "usageType", "display", "contentType", "length", "sha2")
        _formatted(a["usageType"], f"{item_path}.usageType", _IRI, "iri")
        _language_map(a["display"], f"{item_path}.display")
        if "description" in a:
            _language_map(a["description"], f"{item_path}.description")
        _formatted(a["contentType"], f"{item_path}.contentType", _CONTENT_TYPE, "content_type")
        length = a["length"]
        if type(length) is not int or length < 0:
            raise StatementInvalid(f"{item_path}.length", "integer")
        _formatted(a["sha2"], f"{item_path}.sha2", _SHA2, "sha2")
        if "fileUrl" in a:
            _formatted(a["fileUrl"], f"{item_path}.fileUrl", _IRI, "irl")


# ---------------------------------------------------------------------------- statements


def _core(d: dict[str, Any], path: str, *, in_substatement: bool) -> None:
    """What statements and sub-statements share: actor, verb, object, result, context, timestamp."""
    _require(d, path, "actor", "verb", "object")
    _actor(d["actor"], f"{path}.actor")
    verb = _verb(d["verb"], f"{path}.verb")
    kind = _statement_object(d["object"], f"{path}.object", in_substatement=in_substatement)
    if verb["id"] == VOIDED_VERB and kind != "StatementRef":
        raise StatementInvalid(f"{path}.object", "voiding_object")
    if "result" in d:
        _result(d["result"], f"{path}.result")
    if "context" in d:
        _context(d["context"], f"{path}.context", kind)
    if "timestamp" in d:
        _timestamp(d["timestamp"], f"{path}.timestamp")
    if "attachments" in d:
        _attachments(d["attachments"], f"{path}.attachments")


def _substatement(value: dict[str, Any], path: str) -> None:
    for key in ("id", "stored", "version", "authority"):
        if key in value:
            raise StatementInvalid(f"{path}.{key}", "substatement_forbidden")
    _core(_object(value, path, SUBSTATEMENT_KEYS), path, in_substatement=True)


def _statement(value: object, path: str) -> dict[str, Any]:
    d = _object(value, path, STATEMENT_KEYS)
    if "id" in d:
        _formatted(d["id"], f"{path}.id", _UUID, "uuid")
    _core(d, path, in_substatement=False)
    if "stored" in d:
        _timestamp(d["stored"], f"{path}.stored")
    if "authority" in d:
        _authority(d["authority"], f"{path}.authority")
    if "version" in d:
        _formatted(d["version"], f"{path}.version", _VERSION, "version")
    return d


def validate_statement(value: object) -> None:
    """Raise StatementInvalid unless `value` is one valid xAPI 1.0.3 statement."""
    _statement(value, "statement")


def validate_actor(value: object, path: str = "agent") -> None:
    """Raise StatementInvalid unless `value` is an Agent or Group as statements use them.

    For query parameters such as GET /xapi/statements?agent=, which xAPI holds to the same rules
    (Data 2.2.s4.b4)."""
    _actor(value, path)


def validate_statements(value: object) -> list[dict[str, Any]]:
    """Validate one statement object or a non-empty array of them; return them as a list."""
    if type(value) is list:
        if not value:
            raise StatementInvalid("statements", "non_empty_array")
        return [_statement(item, f"statements[{index}]") for index, item in enumerate(value)]
    return [_statement(value, "statement")]
