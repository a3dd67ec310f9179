"""The template itself: least privilege per function, routes and auth, and the repository layout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackhub_local.template import load_yaml

ROOT = Path(__file__).resolve().parents[3]
DOC = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = DOC["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}
DATA_TYPES = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket"}


def _refs(node: Any) -> Iterator[str]:
    """Logical ids a fragment points at through Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield (value if isinstance(value, list) else value.split("."))[0]
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                yield from (m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
                if isinstance(value, list):
                    yield from _refs(value[1])
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _data_refs(node: Any) -> set[str]:
    return {r for r in _refs(node) if r in RESOURCES and RESOURCES[r]["Type"] in DATA_TYPES}


def _own(props: dict[str, Any]) -> set[str]:
    """A function's own data: what its environment names plus the sources of its event mappings."""
    own = _data_refs(props.get("Environment", {}))
    for event in props.get("Events", {}).values():
        if event["Type"] in {"SQS", "DynamoDB"}:
            own |= _data_refs(event["Properties"])
    return own


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_policies_name_only_the_functions_own_tables_and_queues(name: str) -> None:
    props = FUNCTIONS[name]["Properties"]
    policies = props.get("Policies", [])
    # No managed policies by name (they are account-wide), only templates and explicit statements.
    assert all(isinstance(p, dict) for p in policies), policies
    assert _data_refs(policies) <= _own(props), (name, _data_refs(policies) - _own(props))
    # Every table/queue it is told about is one it may use (else the env var is dead weight).
    assert _own(props) <= _data_refs(policies) | _event_sources(props), (
        name,
        _own(props) - _data_refs(policies),
    )
    for statement in (s for p in policies for s in p.get("Statement", [])):
        resources = statement.get("Resource")
        assert resources not in ("*", ["*"]), (name, statement)


def _event_sources(props: dict[str, Any]) -> set[str]:
    return {
        r
        for e in props.get("Events", {}).values()
        if e["Type"] in {"SQS", "DynamoDB"}
        for r in _data_refs(e["Properties"])
    }


def test_a_read_only_function_gets_no_write_policy() -> None:
    for name, resource in FUNCTIONS.items():
        methods = {
            e["Properties"]["Method"].lower()
            for e in resource["Properties"].get("Events", {}).values()
            if e["Type"] == "Api"
        }
        if methods == {"get"}:
            kinds = {next(iter(p)) for p in resource["Properties"].get("Policies", [])}
            assert not kinds & {"DynamoDBCrudPolicy", "DynamoDBWritePolicy", "SQSSendMessagePolicy"}, name


def test_admin_routes_and_only_they_require_iam() -> None:
    for name, resource in FUNCTIONS.items():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            iam = props.get("Auth", {}).get("Authorizer") == "AWS_IAM"
            assert iam == props["Path"].startswith("/admin/"), (name, props["Path"])
            assert props["RestApiId"] == {"Ref": "HubApi"}, name


def test_every_function_dir_is_deployed_with_a_sample_event_and_nothing_else() -> None:
    dirs = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
    code_uris = {FUNCTIONS[n]["Properties"]["CodeUri"].strip("/").split("/")[-1] for n in FUNCTIONS}
    assert dirs == code_uris
    samples = {p.name for p in (ROOT / "events").glob("*.json")}
    for fn in dirs:
        assert any(s.startswith(f"{fn}_") or s == f"{fn}.json" for s in samples), (
            f"events/{fn}_<case>.json missing"
        )


def test_tables_are_on_demand_recoverable_encrypted_and_retained() -> None:
    tables = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert tables
    for name, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_the_layer_is_built_by_its_makefile_and_every_function_uses_it() -> None:
    # Given the shared layer / Then `sam build` runs layers/shared/Makefile (arm64 wheels + bytecode)
    layer = RESOURCES["SharedLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Metadata"]["BuildArchitecture"] == "arm64"
    makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
    assert "build-SharedLayer:" in makefile and "manylinux2014_aarch64" in makefile
    function_globals = DOC["Globals"]["Function"]
    assert function_globals["Layers"] == [{"Ref": "SharedLayer"}]
    assert function_globals["Runtime"] == "python3.11" and function_globals["Tracing"] == "Active"
    assert all("Layers" not in f["Properties"] for f in FUNCTIONS.values())


def test_health_watches_every_table_of_the_template() -> None:
    tables = {k for k, v in RESOURCES.items() if v["Type"] == "AWS::DynamoDB::Table"}
    props = FUNCTIONS["HealthFunction"]["Properties"]
    assert _data_refs(props["Environment"]) == tables
    (statement,) = props["Policies"][0]["Statement"]
    assert statement["Action"] == "dynamodb:DescribeTable"
