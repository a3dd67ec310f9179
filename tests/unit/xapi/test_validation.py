"""The LRS statement rules (trackhub.xapi.validation): one invalid case per rule, valid shapes beside them.

Each case starts from FULL, a statement that uses every property validly, and changes one thing.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from trackhub.errors import InvalidInput
from trackhub.xapi import validation
from trackhub.xapi.validation import (
    RULES,
    StatementInvalid,
    validate_actor,
    validate_statement,
    validate_statements,
)

UUID1 = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
UUID2 = "AA97B177-9383-4934-8543-0F91A7A02836"
SHA2 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
AGENT = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}
BOB = {"mbox": "mailto:bob@example.com"}
ACTIVITY = {"objectType": "Activity", "id": "http://example.com/activities/quiz"}

FULL: dict[str, Any] = {
    "id": UUID1,
    "actor": AGENT,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered", "de": "x"}},
    "object": {
        "objectType": "Activity",
        "id": "http://example.com/activities/q1",
        "definition": {
            "name": {"en-US": "Question 1"},
            "description": {"zh-Hant": "問題"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "https://example.com/q1",
            "interactionType": "choice",
            "correctResponsesPattern": ["a[,]b"],
            "choices": [{"id": "a", "description": {"sr-Latn-RS": "A"}}, {"id": "b"}],
            "extensions": {"http://example.com/ext/level": {"any": ["json", 1, None]}},
        },
    },
    "result": {
        "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
        "success": True,
        "completion": False,
        "response": "a[,]b",
        "duration": "PT1H0M0.1S",
        "extensions": {"http://example.com/ext/null": None},
    },
    "context": {
        "registration": UUID2,
        "instructor": {"openid": "http://openid.example.org/12345"},
        "team": {"objectType": "Group", "member": [BOB]},
        "contextActivities": {
            "parent": [ACTIVITY],
            "grouping": [ACTIVITY],
            "category": [ACTIVITY],
            "other": [ACTIVITY],
        },
        "revision": "2",
        "platform": "web",
        "language": "en-GB",
        "statement": {"objectType": "StatementRef", "id": UUID2},
        "extensions": {"urn:example:ext": ""},
    },
    "timestamp": "2024-02-29T23:59:59.123+01:00",
    "stored": "2024-03-01T00:00:00Z",
    "authority": {"objectType": "Agent", "account": {"homePage": "http://example.com", "name": "app"}},
    "version": "1.0.3",
    "attachments": [
        {
            "usageType": "http://adlnet.gov/expapi/attachments/signature",
            "display": {"en-US": "A"},
            "description": {"en-US": "B"},
            "contentType": "text/plain; charset=ascii",
            "length": 27,
            "sha2": SHA2,
            "fileUrl": "http://over.there.com/file.txt",
        }
    ],
}

SUBSTATEMENT = {
    "objectType": "SubStatement",
    "actor": BOB,
    "verb": {"id": "http://example.com/verbs/will-attend"},
    "object": ACTIVITY,
    "result": {"success": True},
    "context": {"platform": "web"},
    "timestamp": "2024-01-01T00:00:00Z",
}

DELETE = object()


def changed(**changes: Any) -> dict[str, Any]:
    """FULL with `a__b__0__c=value` style changes applied (DELETE removes the key)."""
    statement = copy.deepcopy(FULL)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target: Any = statement
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is DELETE:
            del target[key]
        else:
            target[key] = copy.deepcopy(value)
    return statement


@dataclass(frozen=True)
class Case:
    rule: str
    path: str
    statement: dict[str, Any] = field(hash=False)


def bad(rule: str, path: str, **changes: Any) -> Any:
    return pytest.param(Case(rule, path, changed(**changes)), id=f"{rule}:{path}")


INVALID = [
    # Types and null
    bad("object", "statement.result", result="done"),
    bad("array", "statement.attachments", attachments=FULL["attachments"][0]),
    bad("string", "statement.result.response", result__response=42),
    bad("number", "statement.result.score.max", result__score__max="100"),
    bad("number", "statement.result.score.raw", result__score__raw=True),
    bad("number", "statement.result.score.raw", result__score__raw=float("nan")),
    bad("boolean", "statement.result.success", result__success="true"),
    bad("boolean", "statement.result.completion", result__completion=0),
    bad("integer", "statement.attachments[0].length", attachments__0__length="27"),
    bad("integer", "statement.attachments[0].length", attachments__0__length=-1),
    bad("null", "statement.actor.name", actor__name=None),
    bad("null", "statement.verb.display.en-US", verb__display={"en-US": None}),
    bad("null", "statement.context.registration", context__registration=None),
    bad("null", "statement.object.definition.moreInfo", object__definition__moreInfo=None),
    # Allowed properties only, case-sensitive
    bad("unknown_property", "statement.Actor", Actor=AGENT),
    bad("unknown_property", "statement.timeStamp", timeStamp="2024-01-01T00:00:00Z"),
    bad("unknown_property", "statement.actor.email", actor__email="ann@example.com"),
    bad("unknown_property", "statement.result.score.Scaled", result__score__Scaled=0.1),
    bad(
        "unknown_property",
        "statement.context.contextActivities.Parent",
        context__contextActivities__Parent=[],
    ),
    bad("unknown_property", "statement.attachments[0].attachmentUrl", attachments__0__attachmentUrl="x"),
    bad(
        "unknown_property",
        "statement.object.definition.choices[0].name",
        object__definition__choices__0__name={},
    ),
    bad("required", "statement.actor", actor=DELETE),
    bad("required", "statement.verb", verb=DELETE),
    bad("required", "statement.object", object=DELETE),
    bad("required", "statement.verb.id", verb={"display": {"en-US": "x"}}),
    bad("required", "statement.object.id", object={"objectType": "Activity"}),
    bad("required", "statement.actor.account.name", actor={"account": {"homePage": "http://example.com"}}),
    bad("required", "statement.attachments[0].sha2", attachments__0__sha2=DELETE),
    bad("required", "statement.object.definition.choices[1].id", object__definition__choices__1={}),
    # Formats
    bad("uuid", "statement.id", id="AA97B177-9383-4934-8543-0F91A7A028368"),
    bad("uuid", "statement.id", id="MA97B177-9383-4934-8543-0F91A7A02836"),
    bad("string", "statement.id", id=12345),
    bad("uuid", "statement.context.registration", context__registration="wrong"),
    bad("uuid", "statement.object.id", object={"objectType": "StatementRef", "id": "wrong"}),
    bad("iri", "statement.verb.id", verb__id="adlnet.gov/expapi/verbs/answered"),
    bad("iri", "statement.object.id", object__id="example.com/activities/q1"),
    bad("iri", "statement.object.definition.type", object__definition__type="not an iri"),
    bad("iri", "statement.actor.openid", actor={"openid": "open.id.com/testUser"}),
    bad("iri", "statement.attachments[0].usageType", attachments__0__usageType="example.com/usage"),
    bad("iri", "statement.result.extensions.example.com/wrong", result__extensions={"example.com/wrong": 1}),
    bad("iri", "statement.context.extensions.wrong", context__extensions={"wrong": 1}),
    bad(
        "iri",
        "statement.object.definition.extensions.not.valid.com/extension",
        object__definition__extensions={"not.valid.com/extension": 1234},
    ),
    bad(
        "irl",
        "statement.actor.account.homePage",
        actor={"account": {"homePage": "homePage.com", "name": "1"}},
    ),
    bad("irl", "statement.object.definition.moreInfo", object__definition__moreInfo="example.com/more"),
    bad("irl", "statement.attachments[0].fileUrl", attachments__0__fileUrl="over.there.com/file.txt"),
    bad("mailto", "statement.actor.mbox", actor__mbox="ann@example.com"),
    bad("mailto", "statement.actor.mbox", actor__mbox="mailto:"),
    bad("sha1", "statement.actor.mbox_sha1sum", actor={"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab97606"}),
    bad("sha2", "statement.attachments[0].sha2", attachments__0__sha2="not-a-digest"),
    bad("content_type", "statement.attachments[0].contentType", attachments__0__contentType="text"),
    bad("language_tag", "statement.verb.display.something", verb__display={"something": "x"}),
    bad("language_tag", "statement.object.definition.name.en_US", object__definition__name={"en_US": "x"}),
    bad("language_tag", "statement.context.language", context__language="english please"),
    bad("language_tag", "statement.attachments[0].display.", attachments__0__display={"": "x"}),
    bad("timestamp", "statement.timestamp", timestamp="should fail"),
    bad("timestamp", "statement.timestamp", timestamp="01/011/2015"),
    bad("timestamp", "statement.timestamp", timestamp="2008-09-15T15:53:00.601-00"),
    bad("timestamp", "statement.timestamp", timestamp="2008-09-15T15:53:00.601-0000"),
    bad("timestamp", "statement.timestamp", timestamp="2008-09-15T15:53:00.601-00:00"),
    bad("timestamp", "statement.timestamp", timestamp="2023-02-29T10:00:00Z"),
    bad("timestamp", "statement.timestamp", timestamp="2015-01-01t00:00:00z"),
    bad("timestamp", "statement.timestamp", timestamp="2015-01-01T00:00:00+01:60"),
    bad("timestamp", "statement.timestamp", timestamp="2015-01-01T24:00:00Z"),
    bad("timestamp", "statement.stored", stored="yesterday"),
    bad("duration", "statement.result.duration", result__duration="PA1H0M0S"),
    bad("duration", "statement.result.duration", result__duration="P4W1D"),
    bad("duration", "statement.result.duration", result__duration="PT"),
    bad("version", "statement.version", version="1.1.0"),
    bad("version", "statement.version", version="0.9.9"),
    # Actors
    bad(
        "agent_object_type",
        "statement.actor.member[0].objectType",
        actor={"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@example.com"}]},
    ),
    bad("group_object_type", "statement.context.team.objectType", context__team=AGENT),
    bad("actor_object_type", "statement.actor.objectType", actor__objectType="agent"),
    bad("actor_object_type", "statement.actor.objectType", actor__objectType='"objectType": "Agent"'),
    bad("agent_one_ifi", "statement.actor", actor={"name": "nobody"}),
    bad(
        "agent_one_ifi",
        "statement.actor",
        actor={"mbox": "mailto:a@example.com", "openid": "http://o.example"},
    ),
    bad(
        "group_one_ifi", "statement.actor", actor={"objectType": "Group", **BOB, "openid": "http://o.example"}
    ),
    bad("anonymous_group_members", "statement.actor.member", actor={"objectType": "Group"}),
    bad("anonymous_group_members", "statement.actor.member", actor={"objectType": "Group", "member": []}),
    bad("authority_group", "statement.authority", authority={"objectType": "Group", "member": [BOB]}),
    bad(
        "authority_group",
        "statement.authority",
        authority={"objectType": "Group", "member": [BOB, AGENT, BOB]},
    ),
    bad(
        "authority_group",
        "statement.authority",
        authority={"objectType": "Group", **BOB, "member": [BOB, AGENT]},
    ),
    # Objects
    bad("object_type", "statement.object.objectType", object__objectType="activity"),
    bad(
        "object_type",
        "statement.context.contextActivities.parent[0].objectType",
        context__contextActivities__parent=[{**ACTIVITY, "objectType": "Agent"}],
    ),
    bad("agent_one_ifi", "statement.object", object={"objectType": "Agent"}),
    bad("unknown_property", "statement.object.mbox", object={"mbox": "mailto:ann@example.com"}),
    bad(
        "statement_ref_object_type",
        "statement.context.statement.objectType",
        context__statement={"id": UUID2},
    ),
    bad(
        "interaction_type",
        "statement.object.definition.interactionType",
        object__definition__interactionType="choiCe",
    ),
    bad(
        "interaction_type",
        "statement.object.definition.interactionType",
        object__definition__interactionType="Other",
    ),
    bad(
        "interaction_type_required",
        "statement.object.definition.interactionType",
        object__definition__interactionType=DELETE,
    ),
    bad(
        "interaction_type_required",
        "statement.object.definition.interactionType",
        object__definition={"correctResponsesPattern": ["x"]},
    ),
    bad(
        "interaction_components",
        "statement.object.definition.choices",
        object__definition__interactionType="likert",
    ),
    bad(
        "interaction_components", "statement.object.definition.steps", object__definition__steps=[{"id": "s"}]
    ),
    bad(
        "component_id_unique",
        "statement.object.definition.choices[1].id",
        object__definition__choices__1__id="a",
    ),
    bad("substatement_forbidden", "statement.object.id", object={**SUBSTATEMENT, "id": UUID1}),
    bad("substatement_forbidden", "statement.object.version", object={**SUBSTATEMENT, "version": "1.0.0"}),
    bad(
        "substatement_forbidden",
        "statement.object.stored",
        object={**SUBSTATEMENT, "stored": "2024-01-01T00:00:00Z"},
    ),
    bad("substatement_forbidden", "statement.object.authority", object={**SUBSTATEMENT, "authority": AGENT}),
    bad(
        "nested_substatement",
        "statement.object.object.objectType",
        object={**SUBSTATEMENT, "object": SUBSTATEMENT},
    ),
    bad("agent_one_ifi", "statement.object.actor", object={**SUBSTATEMENT, "actor": {"name": "x"}}),
    bad(
        "timestamp",
        "statement.object.timestamp",
        object={**SUBSTATEMENT, "timestamp": "2008-09-15T15:53:00-00:00"},
    ),
    bad("voiding_object", "statement.object", verb__id="http://adlnet.gov/expapi/verbs/voided"),
    # Result
    bad("scaled_range", "statement.result.score.scaled", result__score__scaled=1.01),
    bad("scaled_range", "statement.result.score.scaled", result__score__scaled=-1.5),
    bad("min_max", "statement.result.score.max", result__score={"min": 10, "max": 10}),
    bad("raw_range", "statement.result.score.raw", result__score__raw=11),
    bad("raw_range", "statement.result.score.raw", result__score__raw=-0.5),
    # Context
    bad(
        "context_activity_only",
        "statement.context.revision",
        object={"objectType": "StatementRef", "id": UUID2},
    ),
    bad(
        "context_activity_only",
        "statement.context.platform",
        object={"objectType": "Agent", **BOB},
        context__revision=DELETE,
    ),
    bad(
        "context_activity_only",
        "statement.object.context.revision",
        object={**SUBSTATEMENT, "object": {"objectType": "Agent", **BOB}, "context": {"revision": "1"}},
    ),
]


def test_the_rule_table_and_the_invalid_cases_stay_in_step() -> None:
    # Given the rule table and the invalid cases (the batch-level rule has its own test below)
    covered = {param.values[0].rule for param in INVALID} | {"non_empty_array"}
    # Then every rule has at least one case and no case names a rule the table lacks
    assert covered == set(RULES)


def test_every_rule_of_the_table_is_raised_by_the_module() -> None:
    # Given the module's source
    source = Path(validation.__file__).read_text(encoding="utf-8")
    raised = set(re.findall(r'"([a-z_0-9]+)"\)', source)) & set(RULES)
    # Then no rule in the table is dead text
    assert raised == set(RULES)


@pytest.mark.parametrize("case", INVALID)
def test_invalid_statement_is_rejected_naming_path_and_rule(case: Case) -> None:
    # Given a statement that breaks exactly one rule
    # When it is validated
    with pytest.raises(StatementInvalid) as caught:
        validate_statement(case.statement)
    # Then the error names the JSON path and the rule, and maps to 400
    assert (caught.value.path, caught.value.rule) == (case.path, case.rule)
    assert caught.value.message == f"{case.path}: {RULES[case.rule]}"
    assert isinstance(caught.value, InvalidInput) and caught.value.status == 400
    assert caught.value.details == [{"field": case.path, "problem": RULES[case.rule], "rule": case.rule}]


def ok(name: str, **changes: Any) -> Any:
    return pytest.param(changed(**changes), id=name)


ANON_PAIR = {
    "objectType": "Group",
    "member": [{"account": {"homePage": "http://ex.com", "name": "app"}}, BOB],
}

VALID = [
    ok("every property used"),
    ok("minimal", **{k: DELETE for k in FULL if k not in ("actor", "verb", "object")}),
    ok(
        "agent without objectType by mbox_sha1sum",
        actor={"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
    ),
    ok("agent by openid", actor={"openid": "http://openid.example.org/1"}),
    ok("agent by account", actor={"account": {"homePage": "http://example.com", "name": "1"}}),
    ok("identified group without members", actor={"objectType": "Group", **BOB}),
    ok("identified group with members", actor={"objectType": "Group", **BOB, "member": [AGENT]}),
    ok("anonymous group with members", actor={"objectType": "Group", "name": "g", "member": [AGENT, BOB]}),
    ok(
        "agent as object",
        object={"objectType": "Agent", **BOB},
        context__revision=DELETE,
        context__platform=DELETE,
    ),
    ok("group as object", object={"objectType": "Group", "member": [BOB]}, context=DELETE),
    ok("statement ref as object", object={"objectType": "StatementRef", "id": UUID2}, context=DELETE),
    ok("substatement as object", object=SUBSTATEMENT, context=DELETE),
    ok(
        "substatement with attachments",
        object={**SUBSTATEMENT, "attachments": FULL["attachments"]},
        context=DELETE,
    ),
    ok("activity without objectType or definition", object={"id": "urn:uuid:" + UUID1}),
    ok(
        "voiding statement",
        verb__id="http://adlnet.gov/expapi/verbs/voided",
        object={"objectType": "StatementRef", "id": UUID2},
        context=DELETE,
    ),
    ok("single context activity object", context__contextActivities={"parent": ACTIVITY, "other": []}),
    ok(
        "identified team",
        context__team={"objectType": "Group", "account": {"homePage": "http://e.com", "name": "t"}},
    ),
    ok("group instructor", context__instructor={"objectType": "Group", "member": [BOB]}),
    ok(
        "extension values may be null, empty or objects",
        result__extensions={"http://e.com/a": None, "http://e.com/b": "", "http://e.com/c": {}},
    ),
    ok("empty extensions", object__definition__extensions={}, context__extensions={}),
    ok(
        "language tags of RFC 5646",
        verb__display={
            "de": "a",
            "de-DE": "b",
            "zh-Hant": "c",
            "sr-Latn-RS": "d",
            "es-419": "e",
            "x-whatever": "f",
            "i-klingon": "g",
            "en-GB-oed": "h",
            "EN-us": "i",
        },
    ),
    ok("duration in weeks", result__duration="P4W"),
    ok("duration in years", result__duration="P3Y"),
    ok("duration in fractional seconds", result__duration="PT16559.14S"),
    ok("duration in every unit", result__duration="P3Y1M29DT4H35M59.14S"),
    ok("timestamp in UTC with Z", timestamp="2015-01-01T00:00:00.123456Z"),
    ok("timestamp with +00:00", timestamp="2015-01-01T00:00:00+00:00"),
    ok("timestamp with a negative offset", timestamp="2015-01-01T00:00:00-05:00"),
    ok("timestamp without time zone", timestamp="2015-01-01T00:00:00"),
    ok("version 1.0", version="1.0"),
    ok("version 1.0.9", version="1.0.9"),
    ok("OAuth authority group", authority=ANON_PAIR),
    ok("score at its bounds", result__score={"scaled": -1, "raw": 10, "min": 0, "max": 10}),
    ok("score floats", result__score={"scaled": 0.12123434, "raw": 12.125, "min": 0.12123434, "max": 45.45}),
    ok(
        "true-false with pattern",
        object__definition={"interactionType": "true-false", "correctResponsesPattern": ["true"]},
    ),
    ok(
        "likert with scale",
        object__definition={"interactionType": "likert", "scale": [{"id": "1"}, {"id": "2"}]},
    ),
    ok(
        "matching with source and target",
        object__definition={"interactionType": "matching", "source": [{"id": "a"}], "target": [{"id": "a"}]},
    ),
    ok(
        "performance with steps",
        object__definition={"interactionType": "performance", "steps": [{"id": "1"}]},
    ),
    ok(
        "sequencing with choices",
        object__definition={"interactionType": "sequencing", "choices": [{"id": "1"}]},
    ),
    ok("other interaction without components", object__definition={"interactionType": "other"}),
    ok("attachment without fileUrl", attachments__0__fileUrl=DELETE),
    ok("unicode text", verb__display={"ja-JP": "出席した", "ar-EG": "حضر"}),
]


@pytest.mark.parametrize("statement", VALID)
def test_valid_statement_is_accepted(statement: dict[str, Any]) -> None:
    # Given a valid statement / When it is validated / Then nothing is raised
    validate_statement(statement)


def test_batches_are_validated_item_by_item_with_their_index_in_the_path() -> None:
    # Given a batch whose second statement has a verb id without a scheme
    second = changed(verb__id="should fail")
    # When the batch is validated
    with pytest.raises(StatementInvalid) as caught:
        validate_statements([FULL, second])
    # Then the path names the item
    assert caught.value.message == "statements[1].verb.id: must be an absolute IRI with a scheme"


@pytest.mark.parametrize(
    ("value", "path", "rule"),
    [([], "statements", "non_empty_array"), (["x"], "statements[0]", "object"), ("x", "statement", "object")],
)
def test_batches_must_be_a_statement_or_a_non_empty_array_of_them(
    value: object, path: str, rule: str
) -> None:
    # Given a body that is not one statement or a non-empty array of statements
    # When it is validated / Then it is rejected at the top
    with pytest.raises(StatementInvalid) as caught:
        validate_statements(value)
    assert (caught.value.path, caught.value.rule) == (path, rule)


@pytest.mark.parametrize("value", [FULL, [FULL, changed(id=UUID2)]])
def test_valid_batches_come_back_as_a_list(value: object) -> None:
    # Given one statement or an array of them / When validated / Then a list of the same dicts comes back
    result = validate_statements(value)
    assert result == (value if isinstance(value, list) else [value])


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ({"mbox": "ann@example.com"}, "mailto"),
        ({"objectType": "Group"}, "anonymous_group_members"),
        ("wrong", "object"),
        ({"mbox": "mailto:ann@example.com", "Name": "Ann"}, "unknown_property"),
    ],
)
def test_an_agent_query_parameter_follows_the_statement_rules(value: object, rule: str) -> None:
    # Given an agent parameter that would be invalid as a statement's actor
    # When it is validated on its own / Then the same rule rejects it, at the parameter's path
    with pytest.raises(StatementInvalid) as caught:
        validate_actor(value)
    assert caught.value.rule == rule and caught.value.path.startswith("agent")
    validate_actor({"objectType": "Group", "account": {"homePage": "http://e.com", "name": "t"}})


def test_validation_does_not_change_the_statement() -> None:
    # Given a statement with a single context activity / When validated / Then it is left as it was
    statement = changed(context__contextActivities={"parent": ACTIVITY})
    before = copy.deepcopy(statement)
    validate_statement(statement)
    assert statement == before


def test_the_module_imports_only_the_standard_library() -> None:
    # Given a fresh interpreter that has imported the trackhub package (which loads and freezes the
    # libraries every function uses) / When the module is imported
    code = (
        "import json, sys, trackhub; before = set(sys.modules); import trackhub.xapi.validation; "
        "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before} - {'trackhub'})))"
    )
    layer = str(Path(validation.__file__).parents[2])
    env = {**os.environ, "PYTHONPATH": layer}
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    # Then it loaded nothing beyond its own module and the standard library's (cold starts import it on
    # every LRS write)
    added = json.loads(out.stdout.strip().splitlines()[-1])
    assert not set(added) - set(sys.stdlib_module_names), added
