"""The template's OPERATIONS section: throttling, usage plan, alarms and the dashboard stay complete and true.

True: every hub metric the dashboard names is one the layer emits, under the namespace and service the
functions run with. Complete: every alarm notifies AlarmTopic and shows on the dashboard, every stream
consumer and every dead-letter queue has its alarm.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from trackhub_local.template import load_yaml

ROOT = Path(__file__).resolve().parents[3]
DOC = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = DOC["Resources"]
PARAMETERS: dict[str, Any] = DOC["Parameters"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}
ALARMS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
ENV = DOC["Globals"]["Function"]["Environment"]["Variables"]
NAMESPACE = ENV["POWERTOOLS_METRICS_NAMESPACE"]
SERVICE = ENV["POWERTOOLS_SERVICE_NAME"]
LAYER = ROOT / "layers" / "shared" / "trackhub"


def _dashboard_text() -> str:
    body = RESOURCES["HubDashboard"]["Properties"]["DashboardBody"]
    assert isinstance(body, dict) and set(body) == {"Fn::Sub"}, "DashboardBody is one !Sub string"
    text = body["Fn::Sub"]
    assert isinstance(text, str)
    return text


def _sub_variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{([^}!]+)\}", text))


def _dashboard() -> dict[str, Any]:
    """The body as CloudWatch receives it, with each ${...} replaced by a value valid in any position."""
    parsed = json.loads(re.sub(r"\$\{[^}!]+\}", "1", _dashboard_text()))
    assert isinstance(parsed, dict)
    return parsed


def _metric_rows() -> list[list[Any]]:
    return [
        row for w in _dashboard()["widgets"] if w["type"] == "metric" for row in w["properties"]["metrics"]
    ]


def _emitted_metrics() -> set[str]:
    """Every metrics.add_metric(name="...") in the shared layer."""
    names: set[str] = set()
    for path in LAYER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_metric"
            ):
                for kw in node.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        names.add(str(kw.value.value))
    return names


# ------------------------------------------------------------------ the dashboard
def test_the_dashboard_body_is_valid_json_with_widgets_on_the_grid() -> None:
    # Given the body as CloudWatch receives it
    widgets = _dashboard()["widgets"]
    # Then every widget has a known type and sits inside the 24-column grid without overlapping another
    assert widgets
    taken: set[tuple[int, int]] = set()
    for w in widgets:
        assert w["type"] in {"metric", "text", "alarm"}, w
        assert w["x"] >= 0 and w["x"] + w["width"] <= 24, w
        cells = {(w["x"] + dx, w["y"] + dy) for dx in range(w["width"]) for dy in range(w["height"])}
        assert not cells & taken, f"widget overlaps another: {w.get('properties', {}).get('title')}"
        taken |= cells


def test_every_substitution_in_the_dashboard_resolves() -> None:
    # Given the ${...} names of the !Sub body
    names = _sub_variables(_dashboard_text())
    # Then each is a pseudo parameter, a parameter, or a resource (attribute) of the template
    for name in names:
        logical = name.split(".")[0]
        assert name.startswith("AWS::") or logical in PARAMETERS or logical in RESOURCES, name


def test_every_hub_metric_on_the_dashboard_is_emitted_by_the_layer() -> None:
    # Given the metric names the layer emits and the hub metrics the dashboard plots
    emitted = _emitted_metrics()
    plotted = [row for row in _metric_rows() if isinstance(row[0], str) and row[0] == NAMESPACE]
    assert plotted
    for row in plotted:
        # Then each is emitted, with exactly the dimension Powertools adds (service = the function's)
        assert row[1] in emitted, f"{row[1]} is on the dashboard but no add_metric emits it"
        assert row[2:4] == ["service", SERVICE], row


def test_the_dashboard_shows_each_part_the_issue_names() -> None:
    names = {row[1] for row in _metric_rows() if isinstance(row[0], str)}
    # Events published, statements stored (collector + LRS), pushes, deliveries succeeded/failed/parked
    assert {
        "EventsPublished",
        "CollectorStatementsStored",
        "XapiStatementsStored",
        "WebTrackingPushes",
        "WebhooksDelivered",
        "WebhookAttemptsFailed",
        "WebhooksParked",
    } <= names
    # p99 latency, errors, throttles, DLQ depth
    stats = {(row[1], row[-1].get("stat")) for row in _metric_rows() if isinstance(row[0], str) and row[-1]}
    assert ("Latency", "p99") in stats
    assert {"5XXError", "Errors", "Throttles", "ApproximateNumberOfMessagesVisible"} <= names
    expressions = [row[0]["expression"] for row in _metric_rows() if isinstance(row[0], dict)]
    # Every hub metric, including ones added later, through a search over the whole namespace
    assert f"SEARCH('{{{NAMESPACE},service}}', 'Sum', 300)" in expressions


def test_search_expressions_name_the_api_and_functions_as_the_stack_does() -> None:
    # The API's metrics carry ApiName = the stack name only while HubApi keeps SAM's default title
    assert "Name" not in RESOURCES["HubApi"]["Properties"]
    assert "DefinitionBody" not in RESOURCES["HubApi"]["Properties"]
    # The per-function searches find functions by the stack name CloudFormation puts in front of theirs
    named = [n for n, f in FUNCTIONS.items() if "FunctionName" in f["Properties"]]
    assert not named, f"{named}: an explicit FunctionName hides the function from the dashboard searches"
    for expression in (row[0]["expression"] for row in _metric_rows() if isinstance(row[0], dict)):
        assert len(expression) <= 1024, expression  # CloudWatch's limit for a search
    text = _dashboard_text()
    lambda_searches = text.count("{AWS/Lambda,FunctionName}")
    assert lambda_searches and text.count("FunctionName=${AWS::StackName}'") == lambda_searches
    api_searches = text.count("{AWS/ApiGateway,ApiName,")
    assert api_searches and text.count('ApiName=\\"${AWS::StackName}\\"') == api_searches


def test_the_dashboard_lists_every_alarm_of_the_template() -> None:
    # Given the alarm widget
    (widget,) = [w for w in _dashboard()["widgets"] if w["type"] == "alarm"]
    listed = set(re.findall(r"\$\{(\w+)\.Arn\}", _dashboard_text()))
    assert len(widget["properties"]["alarms"]) == len(listed)
    # Then every alarm, including one added by another section later, is on it
    assert listed == set(ALARMS), f"missing from HubDashboard's alarm widget: {set(ALARMS) - listed}"


# ------------------------------------------------------------------ alarms
@pytest.mark.parametrize("name", sorted(ALARMS))
def test_every_alarm_notifies_the_alarm_topic_both_ways(name: str) -> None:
    props = ALARMS[name]["Properties"]
    assert props.get("AlarmActions") == [{"Ref": "AlarmTopic"}], name
    assert props.get("OKActions") == [{"Ref": "AlarmTopic"}], name
    assert props["TreatMissingData"] == "notBreaching", name
    assert props.get("AlarmDescription"), name


def _alarms_on(namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        a["Properties"]
        for a in ALARMS.values()
        if a["Properties"].get("Namespace") == namespace and a["Properties"].get("MetricName") == metric
    ]


def _dimension(props: dict[str, Any], name: str) -> Any:
    return next((d["Value"] for d in props.get("Dimensions", []) if d["Name"] == name), None)


def test_function_errors_and_throttles_are_alarmed_for_every_function_present_or_future() -> None:
    # Lambda's dimensionless metrics aggregate every function: no function can lack these alarms
    for metric in ("Errors", "Throttles"):
        (props,) = _alarms_on("AWS/Lambda", metric)
        assert "Dimensions" not in props, metric
        assert props["Threshold"] == 1 and props["Statistic"] == "Sum"


def test_every_stream_consumer_has_an_iterator_age_alarm() -> None:
    consumers = {
        name
        for name, f in FUNCTIONS.items()
        if any(e["Type"] == "DynamoDB" for e in f["Properties"].get("Events", {}).values())
    }
    assert consumers
    watched = {_dimension(p, "FunctionName")["Ref"] for p in _alarms_on("AWS/Lambda", "IteratorAge")}
    assert consumers <= watched, f"stream consumers without an IteratorAge alarm: {consumers - watched}"
    for props in _alarms_on("AWS/Lambda", "IteratorAge"):
        # Well before the stream's 24 h retention drops records (IteratorAge is in milliseconds)
        assert props["Statistic"] == "Maximum" and props["Threshold"] <= 6 * 3600 * 1000


def test_every_dead_letter_queue_has_a_depth_alarm_and_every_consumed_queue_an_age_alarm() -> None:
    queues = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::SQS::Queue"}
    dlqs = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    assert dlqs
    depth = {
        _dimension(p, "QueueName")["Fn::GetAtt"][0]
        for p in _alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    }
    assert dlqs <= depth, f"dead-letter queues without a depth alarm: {dlqs - depth}"
    consumed = {
        e["Properties"]["Queue"]["Fn::GetAtt"][0]
        for f in FUNCTIONS.values()
        for e in f["Properties"].get("Events", {}).values()
        if e["Type"] == "SQS"
    }
    aged = {
        _dimension(p, "QueueName")["Fn::GetAtt"][0]
        for p in _alarms_on("AWS/SQS", "ApproximateAgeOfOldestMessage")
    }
    assert consumed <= aged, f"consumed queues without an age alarm: {consumed - aged}"


def test_api_alarms_watch_5xx_and_p99_latency_of_the_hub_stage() -> None:
    (errors,) = _alarms_on("AWS/ApiGateway", "5XXError")
    (latency,) = _alarms_on("AWS/ApiGateway", "Latency")
    for props in (errors, latency):
        assert _dimension(props, "ApiName") == {"Ref": "AWS::StackName"}
        assert _dimension(props, "Stage") == {"Ref": "StageName"}
    assert errors["Threshold"] == {"Ref": "Api5xxAlarmThreshold"}
    assert latency["ExtendedStatistic"] == "p99"
    assert latency["Threshold"] == {"Ref": "ApiP99LatencyAlarmMs"}


# ------------------------------------------------------------------ throttling
def test_the_stage_throttles_every_route_from_parameters() -> None:
    settings = RESOURCES["HubApi"]["Properties"]["MethodSettings"]
    (everything,) = [s for s in settings if s["ResourcePath"] == "/*" and s["HttpMethod"] == "*"]
    assert everything["ThrottlingRateLimit"] == {"Ref": "ThrottleRateLimit"}
    assert everything["ThrottlingBurstLimit"] == {"Ref": "ThrottleBurstLimit"}
    assert everything["MetricsEnabled"] is True  # per-route latency on the dashboard needs it


def test_the_usage_plan_covers_the_hub_stage_with_throttle_and_quota_parameters() -> None:
    (plan,) = [v for v in RESOURCES.values() if v["Type"] == "AWS::ApiGateway::UsagePlan"]
    props = plan["Properties"]
    assert props["ApiStages"] == [{"ApiId": {"Ref": "HubApi"}, "Stage": {"Ref": "HubApi.Stage"}}]
    assert props["Throttle"] == {
        "RateLimit": {"Ref": "UsagePlanRateLimit"},
        "BurstLimit": {"Ref": "UsagePlanBurstLimit"},
    }
    assert props["Quota"] == {
        "Limit": {"Ref": "UsagePlanQuotaLimit"},
        "Period": {"Ref": "UsagePlanQuotaPeriod"},
    }
    assert set(PARAMETERS["UsagePlanQuotaPeriod"]["AllowedValues"]) == {"DAY", "WEEK", "MONTH"}


def test_the_alarm_topic_mails_only_when_an_address_is_given() -> None:
    assert RESOURCES["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert PARAMETERS["AlarmEmail"]["Default"] == ""
    assert DOC["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
