"""template.py: short tags, Globals, intrinsic resolution - against template.yaml and the fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trackhub_local.template import (
    CfnLoader,
    TemplateError,
    default_template,
    load_template,
    load_yaml,
)

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "local_stack" / "template.yaml"


def test_short_tags_become_their_long_form() -> None:
    text = """
    a: !Ref Thing
    b: !GetAtt Table.StreamArn
    c: !GetAtt [Queue, Arn]
    d: !Sub "${AWS::Region}-x"
    e: !Sub ["${A}", {A: !Ref B}]
    f: !If [Cond, 1, 2]
    g: !Join ["-", [a, b]]
    h: !Select [0, !Split [",", "a,b"]]
    i: !FindInMap [M, K, V]
    j: !Equals [1, 1]
    k: !Not [!Condition C]
    l: !GetAZs ""
    m: !ImportValue Exported
    n: !Base64 text
    o: !Cidr [10.0.0.0/16, 2, 8]
    p: !And [!Condition A, !Condition B]
    q: !Or [!Condition A, !Condition B]
    """
    doc = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    assert doc["a"] == {"Ref": "Thing"}
    assert doc["b"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert doc["c"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert doc["d"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert doc["e"] == {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}
    assert doc["f"] == {"Fn::If": ["Cond", 1, 2]}
    assert doc["g"] == {"Fn::Join": ["-", ["a", "b"]]}
    assert doc["h"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert doc["i"] == {"Fn::FindInMap": ["M", "K", "V"]}
    assert doc["j"] == {"Fn::Equals": [1, 1]}
    assert doc["k"] == {"Fn::Not": [{"Condition": "C"}]}
    assert doc["l"] == {"Fn::GetAZs": ""}
    assert doc["m"] == {"Fn::ImportValue": "Exported"}
    assert doc["n"] == {"Fn::Base64": "text"}
    assert doc["o"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    assert doc["p"] == {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}
    assert doc["q"] == {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}


def test_the_loader_does_not_leak_tags_into_yaml_safe_load() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load("a: !Ref X")


def test_project_template_functions_get_globals_and_resolved_environment() -> None:
    template = load_template(TEMPLATE)
    document = load_yaml(TEMPLATE)
    health = template.functions["HealthFunction"]
    assert health.handler == "app.lambda_handler"
    assert health.runtime == "python3.11"
    assert health.code_dir == ROOT / "functions" / "health"
    assert health.layer_dirs[0] == ROOT / "layers" / "shared"
    globals_function = document["Globals"]["Function"]
    assert health.timeout == globals_function["Timeout"]
    assert health.memory == globals_function["MemorySize"]
    # Globals variables merged with the function's own; Refs resolved to defaults and local names.
    assert health.env["POWERTOOLS_SERVICE_NAME"] == "trackhub"
    assert health.env["POWERTOOLS_LOG_LEVEL"] == document["Parameters"]["LogLevel"]["Default"]
    assert health.env["MAX_BODY_BYTES"] == str(document["Parameters"]["MaxBodyBytes"]["Default"])
    assert health.env["TENANCY_TABLE_NAME"] == "trackhub-local-TenancyTable"
    assert health.name == "trackhub-local-HealthFunction"
    assert all(isinstance(value, str) for spec in template.functions.values() for value in spec.env.values())


def test_project_template_api_events_and_auth() -> None:
    template = load_template(TEMPLATE)
    (whoami,) = template.functions["WhoAmIFunction"].api_events
    assert (whoami.path, whoami.method, whoami.iam_auth, whoami.api) == ("/v1/whoami", "GET", False, "HubApi")
    (revoke,) = template.functions["AdminRevokeAccountFunction"].api_events
    assert (revoke.path, revoke.method, revoke.iam_auth) == ("/admin/accounts/{accountId}", "DELETE", True)
    api = template.apis["HubApi"]
    assert api.stage_name == load_yaml(TEMPLATE)["Parameters"]["StageName"]["Default"]
    not_found = api.gateway_responses["MISSING_AUTHENTICATION_TOKEN"]
    assert not_found.status_code == 404
    assert not_found.body is not None and "Not found" in not_found.body
    assert api.gateway_responses["REQUEST_TOO_LARGE"].status_code == 413


def test_parameter_overrides_and_stack_name() -> None:
    template = load_template(TEMPLATE, stack_name="other", parameters={"LogLevel": "DEBUG"})
    health = template.functions["HealthFunction"]
    assert health.env["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert health.env["TENANCY_TABLE_NAME"] == "other-TenancyTable"
    assert template.tables["TenancyTable"].name == "other-TenancyTable"
    with pytest.raises(TemplateError, match="undeclared"):
        load_template(TEMPLATE, parameters={"NoSuchParameter": "x"})


def test_fixture_intrinsics_resolve_like_cloudformation() -> None:
    template = load_template(FIXTURE, queue_endpoint="http://127.0.0.1:4566", account_id="111122223333")
    env = template.functions["EchoFunction"].env
    assert env["QUEUE_URL"] == "http://127.0.0.1:4566/111122223333/trackhub-local-WorkQueue"
    assert env["QUEUE_ARN"] == "arn:aws:sqs:us-east-1:111122223333:trackhub-local-WorkQueue"
    assert env["TABLE_ARN"] == "arn:aws:dynamodb:us-east-1:111122223333:table/trackhub-local-ResultsTable"
    assert (
        env["SUB_VALUE"]
        == "trackhub-local/test/trackhub-local-ResultsTable/trackhub-local-WorkQueue/us-east-1"
    )
    assert env["IF_VALUE"] == "test-stage"
    assert env["JOINED"] == "hello-b"
    assert env["GREETING"] == "hello"  # from Globals
    other = load_template(FIXTURE, parameters={"StageName": "prod", "Greeting": "hi"})
    assert other.functions["EchoFunction"].env["IF_VALUE"] == "other-stage"
    assert other.functions["EchoFunction"].env["JOINED"] == "hi-b"
    assert other.apis["FixtureApi"].stage_name == "prod"


def test_fixture_function_overrides_globals() -> None:
    template = load_template(FIXTURE)
    assert template.functions["SlowFunction"].timeout == 1
    assert template.functions["EchoFunction"].timeout == 5
    assert template.functions["EnvFunction"].memory == 384
    assert template.functions["EnvFunction"].env["ENV_ONLY"] == "1"
    assert "ECHO_ONLY" not in template.functions["EnvFunction"].env
    assert template.functions["EnvFunction"].layer_dirs == (FIXTURE.parent / "layers" / "common",)


def test_fixture_event_sources() -> None:
    template = load_template(FIXTURE)
    (sqs,) = template.functions["SqsConsumerFunction"].sqs_events
    assert (sqs.queue, sqs.batch_size, sqs.report_batch_item_failures) == ("WorkQueue", 10, True)
    assert sqs.maximum_batching_window == 0
    (stream,) = template.functions["StreamConsumerFunction"].stream_events
    assert (stream.table, stream.starting_position, stream.batch_size) == ("SourceTable", "TRIM_HORIZON", 2)
    assert stream.maximum_retry_attempts == 2
    assert stream.filter_patterns == ({"eventName": ["INSERT", "MODIFY"]},)
    queue = template.queues["WorkQueue"]
    assert queue.dead_letter_queue == "WorkDLQ"
    assert queue.properties["RedrivePolicy"] == {
        "deadLetterTargetArn": template.queue_arn("WorkDLQ"),
        "maxReceiveCount": 2,
    }


def test_fixture_api_cors_and_binary_types() -> None:
    api = load_template(FIXTURE).apis["FixtureApi"]
    assert api.cors is not None
    assert api.cors.allow_origin == "https://app.example"
    assert api.cors.allow_methods == "GET,POST,OPTIONS"
    assert api.cors.allow_headers == "Content-Type,Authorization"
    assert api.cors.max_age == "600"
    assert api.binary_media_types == ("image/png",)


def test_globals_lists_concatenate_and_maps_merge(tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "layer_a").mkdir()
    (tmp_path / "layer_b").mkdir()
    (tmp_path / "template.yaml").write_text(
        """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 3
    Layers: [!Ref LayerA]
    Environment:
      Variables: {A: global, B: global}
  Api:
    Auth:
      DefaultAuthorizer: AWS_IAM
Resources:
  LayerA: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layer_a/}}
  LayerB: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layer_b/}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: pkg.mod.handler
      Layers: [!Ref LayerB]
      Environment:
        Variables: {B: own, C: !Sub "${AWS::AccountId}"}
      Events:
        Open:
          Type: Api
          Properties: {Path: /open, Method: get, Auth: {Authorizer: NONE}}
        Closed:
          Type: Api
          Properties: {Path: /closed, Method: post}
""",
        encoding="utf-8",
    )
    template = load_template(tmp_path / "template.yaml", account_id="000011112222")
    fn = template.functions["Fn"]
    assert fn.env == {"A": "global", "B": "own", "C": "000011112222"}
    assert fn.layer_dirs == (tmp_path / "layer_a", tmp_path / "layer_b")
    assert fn.handler == "pkg.mod.handler"
    assert fn.timeout == 3
    events = {event.name: event for event in fn.api_events}
    assert events["Open"].iam_auth is False
    assert events["Closed"].iam_auth is True  # the implicit API's DefaultAuthorizer
    assert events["Closed"].api == "ServerlessRestApi"
    assert template.apis["ServerlessRestApi"].stage_name == "Prod"


def test_unresolvable_intrinsics_are_reported(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Environment:
        Variables: {X: !ImportValue other-stack-export}
""",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match="ImportValue"):
        load_template(tmp_path / "template.yaml")


def test_default_template_is_the_repository_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_template() == TEMPLATE
    (tmp_path / "template.yaml").write_text("Resources: {}\n", encoding="utf-8")
    assert default_template() == tmp_path / "template.yaml"
