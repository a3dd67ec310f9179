"""Read a SAM template into plain dataclasses the local stack can run.

Only the parts the stack emulates are modelled: functions (with Globals applied and their environment
resolved), their Api / SQS / DynamoDB-stream events, tables, queues and the REST Api's CORS and
gateway responses. Intrinsic functions are resolved the way CloudFormation would, with local physical
names ("<stack>-<LogicalId>") standing in for the generated ones.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

DEFAULT_STACK_NAME = "trackhub-local"
DEFAULT_REGION = "us-east-1"
# moto's default account: ARNs we compute must match the ones moto hands out.
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_QUEUE_ENDPOINT = "https://sqs.us-east-1.amazonaws.com"

FUNCTION = "AWS::Serverless::Function"
SERVERLESS_API = "AWS::Serverless::Api"
SERVERLESS_LAYER = "AWS::Serverless::LayerVersion"
LAMBDA_LAYER = "AWS::Lambda::LayerVersion"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
BUCKET = "AWS::S3::Bucket"
# The implicit API SAM creates for Api events without a RestApiId.
IMPLICIT_API = "ServerlessRestApi"


class TemplateError(ValueError):
    """The template uses something the local stack cannot resolve."""


_REPOSITORY = Path(__file__).resolve().parents[2]


def default_template() -> Path:
    """template.yaml of the working directory, else of the repository this package lives in."""
    here = Path.cwd() / "template.yaml"
    return here if here.is_file() else _REPOSITORY / "template.yaml"


# ------------------------------------------------------------------------------------------ YAML tags

# Tags whose long form is {"Fn::<Tag>": value}; !Ref, !GetAtt and !Condition are handled on their own.
_SHORT_TAGS = "Base64 Cidr FindInMap GetAZs If ImportValue Join Select Split Sub Equals Not And Or Transform"


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation short-form tags (!Ref, !GetAtt, !Sub ...)."""


def _node_value(loader: CfnLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unsupported YAML node {node!r}")  # pragma: no cover - yaml has no other kinds


def _long_form(key: str) -> Any:
    def construct(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _node_value(loader, node)}

    return construct


def _get_att(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
    value = _node_value(loader, node)
    if isinstance(value, str):  # !GetAtt Resource.Attribute (the attribute may itself contain dots)
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


CfnLoader.add_constructor("!Ref", _long_form("Ref"))
CfnLoader.add_constructor("!Condition", _long_form("Condition"))
CfnLoader.add_constructor("!GetAtt", _get_att)
for _tag in _SHORT_TAGS.split():
    CfnLoader.add_constructor(f"!{_tag}", _long_form(f"Fn::{_tag}"))


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(document, dict):
        raise TemplateError(f"{path} is not a CloudFormation template")
    return document


# ------------------------------------------------------------------------------------------ model


@dataclass(frozen=True)
class ApiEvent:
    name: str
    api: str  # logical id of the AWS::Serverless::Api (or ServerlessRestApi)
    path: str
    method: str  # upper case; "ANY" matches every method
    iam_auth: bool


@dataclass(frozen=True)
class SqsEvent:
    name: str
    queue: str  # logical id of the AWS::SQS::Queue
    batch_size: int
    function_response_types: tuple[str, ...]
    maximum_batching_window: float
    filter_patterns: tuple[dict[str, Any], ...]
    enabled: bool

    @property
    def report_batch_item_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.function_response_types


@dataclass(frozen=True)
class StreamEvent:
    name: str
    table: str  # logical id of the AWS::DynamoDB::Table
    starting_position: str  # TRIM_HORIZON | LATEST
    batch_size: int
    function_response_types: tuple[str, ...]
    maximum_batching_window: float
    filter_patterns: tuple[dict[str, Any], ...]
    maximum_retry_attempts: int  # -1: retry until the record expires, as Lambda does by default
    bisect_batch_on_function_error: bool
    on_failure_queue: str | None  # logical id of an SQS queue destination, if any
    enabled: bool

    @property
    def report_batch_item_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.function_response_types


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str  # physical function name
    code_dir: Path
    handler: str  # "module.attribute", e.g. "app.lambda_handler"
    runtime: str
    env: dict[str, str]
    layer_dirs: tuple[Path, ...]
    timeout: int
    memory: int
    api_events: tuple[ApiEvent, ...] = ()
    sqs_events: tuple[SqsEvent, ...] = ()
    stream_events: tuple[StreamEvent, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    name: str
    properties: dict[str, Any]  # resolved Properties, as CloudFormation would pass them on


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    name: str
    properties: dict[str, Any]  # resolved; RedrivePolicy.deadLetterTargetArn is the DLQ's ARN
    dead_letter_queue: str | None  # logical id of the DLQ named by RedrivePolicy, if any


@dataclass(frozen=True)
class BucketSpec:
    logical_id: str
    name: str
    properties: dict[str, Any]  # resolved Properties (the local stack only needs the name)


@dataclass(frozen=True)
class CorsConfig:
    allow_origin: str
    allow_headers: str | None = None
    allow_methods: str | None = None
    max_age: str | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class GatewayResponse:
    status_code: int | None
    body: str | None  # the application/json response template
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiSpec:
    logical_id: str
    stage_name: str
    cors: CorsConfig | None
    gateway_responses: dict[str, GatewayResponse]
    binary_media_types: tuple[str, ...]
    default_iam_auth: bool


@dataclass(frozen=True)
class Template:
    path: Path
    root: Path  # directory CodeUri / ContentUri are relative to
    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    functions: dict[str, FunctionSpec]
    tables: dict[str, TableSpec]
    queues: dict[str, QueueSpec]
    apis: dict[str, ApiSpec]
    description: str | None = None
    buckets: dict[str, BucketSpec] = field(default_factory=dict)

    def queue_arn(self, logical_id: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{self.queues[logical_id].name}"

    def table_arn(self, logical_id: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{self.tables[logical_id].name}"

    def function_arn(self, logical_id: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.functions[logical_id].name}"


# ------------------------------------------------------------------------------------------ intrinsics

_NO_VALUE = object()  # Ref AWS::NoValue: the property is removed
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against local names (CloudFormation's job at deploy time)."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        stack_name: str,
        region: str,
        account_id: str,
        parameters: Mapping[str, str],
        queue_endpoint: str,
    ) -> None:
        self.resources: dict[str, Any] = dict(document.get("Resources") or {})
        self.mappings: dict[str, Any] = dict(document.get("Mappings") or {})
        self.conditions: dict[str, Any] = dict(document.get("Conditions") or {})
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.queue_endpoint = queue_endpoint.rstrip("/")
        self.parameters = _parameter_values(document, parameters)
        self._condition_cache: dict[str, bool] = {}

    # -- names
    def physical_name(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id) or {}
        properties = resource.get("Properties") or {}
        kind = resource.get("Type")
        explicit = {TABLE: "TableName", QUEUE: "QueueName", FUNCTION: "FunctionName", BUCKET: "BucketName"}
        if str(kind) in explicit and properties.get(explicit[str(kind)]) is not None:
            return _scalar(self.resolve(properties[explicit[str(kind)]]))
        name = f"{self.stack_name}-{logical_id}"
        if kind == BUCKET:
            # S3 names are global (moto's too: every stack of a process shares them), so the account
            # id stands in for CloudFormation's random suffix; lower case, 3-63 of [a-z0-9.-].
            name = f"{self.stack_name}-{logical_id}"[: 62 - len(self.account_id)] + f"-{self.account_id}"
            return re.sub(r"[^a-z0-9.-]", "-", name.lower()).strip("-.")
        if kind == QUEUE and _truthy(self.resolve(properties.get("FifoQueue", False))):
            name += ".fifo"
        return name

    def ref(self, name: str) -> Any:
        stack_id = f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local"
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": stack_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources.get(name)
        if resource is None:
            raise TemplateError(f"Ref to unknown parameter or resource {name!r}")
        kind = resource.get("Type")
        if kind == TABLE:
            return self.physical_name(name)
        if kind == QUEUE:
            return f"{self.queue_endpoint}/{self.account_id}/{self.physical_name(name)}"
        if kind in (FUNCTION, BUCKET):
            return self.physical_name(name)
        if kind in (SERVERLESS_LAYER, LAMBDA_LAYER):
            return f"arn:aws:lambda:{self.region}:{self.account_id}:layer:{self.stack_name}-{name}:1"
        return name  # APIs and the rest: a stable opaque id is all a local caller can use

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self.resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"Fn::GetAtt of unknown resource {logical_id!r}")
        kind = resource.get("Type")
        name = self.physical_name(logical_id)
        prefix = f"arn:aws:%s:{self.region}:{self.account_id}:"
        if kind == TABLE:
            arn = prefix % "dynamodb" + f"table/{name}"
            if attribute == "Arn":
                return arn
            if attribute == "StreamArn":
                return f"{arn}/stream/local"  # moto's label is a timestamp; nothing local compares it
        elif kind == QUEUE:
            if attribute == "Arn":
                return prefix % "sqs" + name
            if attribute == "QueueName":
                return name
            if attribute == "QueueUrl":
                return self.ref(logical_id)
        elif kind == FUNCTION and attribute == "Arn":
            return prefix % "lambda" + f"function:{name}"
        elif kind == BUCKET and attribute in ("Arn", "DomainName", "RegionalDomainName"):
            if attribute == "Arn":
                return f"arn:aws:s3:::{name}"
            return f"{name}.s3{'.' + self.region if attribute == 'RegionalDomainName' else ''}.amazonaws.com"
        if kind in (TABLE, QUEUE, FUNCTION):
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: no such attribute")
        # A resource the stack does not emulate (topic, bucket, API ...): a stable stand-in value, so a
        # variable naming it does not stop the functions that never use it from running.
        log.warning("Fn::GetAtt %s.%s has no local value; using a placeholder", logical_id, attribute)
        return f"local-{logical_id}-{attribute}"

    # -- evaluation
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(str(argument))
            if key == "Condition":
                return self.condition(str(argument))
            if key.startswith("Fn::"):
                return self._function(key, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            if name not in self.conditions:
                raise TemplateError(f"unknown condition {name!r}")
            self._condition_cache[name] = bool(self.resolve(self.conditions[name]))
        return self._condition_cache[name]

    def _function(self, key: str, argument: Any) -> Any:
        if key == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else self.resolve(argument)
            return self.get_att(str(parts[0]), str(parts[1]))
        if key == "Fn::Sub":
            return self._sub(argument)
        if key == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(_scalar(item) for item in self.resolve(items))
        if key == "Fn::Select":
            index, items = self.resolve(argument)
            return items[int(index)]
        if key == "Fn::Split":
            delimiter, text = self.resolve(argument)
            return str(text).split(str(delimiter))
        if key == "Fn::If":
            name, when_true, when_false = argument
            return self.resolve(when_true if self.condition(str(name)) else when_false)
        if key == "Fn::Equals":
            left, right = self.resolve(argument)
            return _scalar(left) == _scalar(right)
        if key == "Fn::Not":
            return not self.resolve(argument[0] if isinstance(argument, list) else argument)
        if key == "Fn::And":
            return all(self.resolve(item) for item in argument)
        if key == "Fn::Or":
            return any(self.resolve(item) for item in argument)
        if key == "Fn::FindInMap":
            mapping, top, second = self.resolve(argument)[:3]
            return self.mappings[str(mapping)][str(top)][str(second)]
        if key == "Fn::Base64":
            return base64.b64encode(_scalar(self.resolve(argument)).encode()).decode()
        if key == "Fn::GetAZs":
            region = self.resolve(argument) or self.region
            return [f"{region}{zone}" for zone in "abc"]
        if key == "Fn::ImportValue":
            raise TemplateError(f"Fn::ImportValue {argument!r}: other stacks' exports do not exist locally")
        if key == "Fn::Cidr":
            raise TemplateError("Fn::Cidr is not supported locally")
        raise TemplateError(f"unsupported intrinsic {key}")

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], {k: self.resolve(v) for k, v in (argument[1] or {}).items()}
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} renders as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return _scalar(self.get_att(resource, attribute))
            return _scalar(self.ref(name))

        return _SUB_VARIABLE.sub(replace, str(text))


def _parameter_values(document: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, spec in (document.get("Parameters") or {}).items():
        if name in overrides:
            values[name] = str(overrides[name])
        elif isinstance(spec, dict) and "Default" in spec:
            values[name] = _scalar(spec["Default"])
    unknown = set(overrides) - set(values)
    if unknown:
        raise TemplateError(f"parameter overrides for undeclared parameters: {sorted(unknown)}")
    return values


def _scalar(value: Any) -> str:
    """Render a resolved value as CloudFormation would put it into a string property."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_scalar(item) for item in value)  # CommaDelimitedList parameters
    if isinstance(value, dict):
        raise TemplateError(f"expected a scalar, got {value!r}")
    return str(value)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _unquote(value: Any) -> str:
    """SAM's Cors values are API Gateway literals: "'*'" means the string *."""
    text = str(value)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


# ------------------------------------------------------------------------------------------ loading


def _merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """Apply SAM's Globals rules: maps merge (function wins), lists concatenate, scalars are overridden."""
    merged: dict[str, Any] = dict(global_props)
    for key, value in props.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = _merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = [*current, *value]
        else:
            merged[key] = value
    return merged


def _filter_patterns(resolver: Resolver, properties: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    criteria = resolver.resolve(properties.get("FilterCriteria") or {})
    patterns: list[dict[str, Any]] = []
    for item in criteria.get("Filters") or []:
        pattern = item.get("Pattern")
        patterns.append(json.loads(pattern) if isinstance(pattern, str) else dict(pattern))
    return tuple(patterns)


def _target_logical_id(resolver: Resolver, value: Any, kind: str, what: str) -> str:
    """The logical id a Ref / GetAtt points at (events name their source that way)."""
    if isinstance(value, dict):
        if "Ref" in value:
            target = str(value["Ref"])
        elif "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            target = str(att.split(".", 1)[0] if isinstance(att, str) else att[0])
        else:
            raise TemplateError(f"{what}: cannot tell which resource {value!r} names")
    else:
        text = str(value)  # a literal ARN or URL: find the resource with that physical name
        matches = [
            logical
            for logical, resource in resolver.resources.items()
            if resource.get("Type") == kind and text.rstrip("/").endswith(resolver.physical_name(logical))
        ]
        if not matches:
            raise TemplateError(f"{what}: {text!r} is not a {kind} of this template")
        target = matches[0]
    if (resolver.resources.get(target) or {}).get("Type") != kind:
        raise TemplateError(f"{what}: {target!r} is not a {kind}")
    return target


def _events(
    resolver: Resolver, logical_id: str, properties: Mapping[str, Any], apis: Mapping[str, ApiSpec]
) -> tuple[list[ApiEvent], list[SqsEvent], list[StreamEvent]]:
    api_events: list[ApiEvent] = []
    sqs_events: list[SqsEvent] = []
    stream_events: list[StreamEvent] = []
    for name, event in (properties.get("Events") or {}).items():
        kind = event.get("Type")
        props = event.get("Properties") or {}
        where = f"{logical_id}.Events.{name}"
        if kind == "Api":
            api = str(props["RestApiId"]["Ref"]) if isinstance(props.get("RestApiId"), dict) else IMPLICIT_API
            authorizer = (props.get("Auth") or {}).get("Authorizer")
            default_iam = apis[api].default_iam_auth if api in apis else False
            iam = authorizer == "AWS_IAM" or (default_iam and authorizer in (None, "AWS_IAM"))
            api_events.append(
                ApiEvent(
                    name=name,
                    api=api,
                    path=str(resolver.resolve(props["Path"])),
                    method=str(resolver.resolve(props["Method"])).upper(),
                    iam_auth=iam,
                )
            )
        elif kind == "SQS":
            resolved = resolver.resolve(
                {k: v for k, v in props.items() if k not in ("Queue", "FilterCriteria")}
            )
            sqs_events.append(
                SqsEvent(
                    name=name,
                    queue=_target_logical_id(resolver, props["Queue"], QUEUE, where),
                    batch_size=int(resolved.get("BatchSize", 10)),
                    function_response_types=tuple(resolved.get("FunctionResponseTypes") or ()),
                    maximum_batching_window=float(resolved.get("MaximumBatchingWindowInSeconds", 0)),
                    filter_patterns=_filter_patterns(resolver, props),
                    enabled=_truthy(resolved.get("Enabled", True)),
                )
            )
        elif kind == "DynamoDB":
            resolved = resolver.resolve(
                {k: v for k, v in props.items() if k not in ("Stream", "FilterCriteria", "DestinationConfig")}
            )
            destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            on_failure = _target_logical_id(resolver, destination, QUEUE, where) if destination else None
            stream_events.append(
                StreamEvent(
                    name=name,
                    table=_target_logical_id(resolver, props["Stream"], TABLE, where),
                    starting_position=str(resolved.get("StartingPosition", "LATEST")),
                    batch_size=int(resolved.get("BatchSize", 100)),
                    function_response_types=tuple(resolved.get("FunctionResponseTypes") or ()),
                    maximum_batching_window=float(resolved.get("MaximumBatchingWindowInSeconds", 0)),
                    filter_patterns=_filter_patterns(resolver, props),
                    maximum_retry_attempts=int(resolved.get("MaximumRetryAttempts", -1)),
                    bisect_batch_on_function_error=_truthy(resolved.get("BisectBatchOnFunctionError", False)),
                    on_failure_queue=on_failure,
                    enabled=_truthy(resolved.get("Enabled", True)),
                )
            )
        # Other event types (Schedule, S3, HttpApi ...) are not emulated; the function is still invocable.
    return api_events, sqs_events, stream_events


def _layer_dirs(resolver: Resolver, root: Path, layers: list[Any], where: str) -> tuple[Path, ...]:
    dirs: list[Path] = []
    for layer in layers:
        if not (isinstance(layer, dict) and "Ref" in layer):
            continue  # a published layer ARN: its code is not in this repository
        resource = resolver.resources.get(str(layer["Ref"])) or {}
        props = resource.get("Properties") or {}
        content = (
            props.get("ContentUri") if resource.get("Type") == SERVERLESS_LAYER else props.get("Content")
        )
        if not isinstance(content, str):
            raise TemplateError(f"{where}: layer {layer['Ref']!r} has no local ContentUri")
        layer_dir = (root / content).resolve()
        dirs.append(layer_dir)
        if (layer_dir / "python").is_dir():  # built layout: Lambda puts /opt/python on sys.path
            dirs.append(layer_dir / "python")
    return tuple(dirs)


def _function(
    resolver: Resolver,
    root: Path,
    logical_id: str,
    properties: Mapping[str, Any],
    apis: Mapping[str, ApiSpec],
) -> FunctionSpec:
    code_uri = properties.get("CodeUri")
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: CodeUri must be a local directory")
    variables = ((properties.get("Environment") or {}).get("Variables")) or {}
    env = {name: _scalar(resolver.resolve(value)) for name, value in variables.items()}
    api_events, sqs_events, stream_events = _events(resolver, logical_id, properties, apis)
    return FunctionSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        code_dir=(root / code_uri).resolve(),
        handler=str(resolver.resolve(properties.get("Handler", "app.lambda_handler"))),
        runtime=str(resolver.resolve(properties.get("Runtime", "python3.11"))),
        env=env,
        layer_dirs=_layer_dirs(resolver, root, list(properties.get("Layers") or []), logical_id),
        timeout=int(resolver.resolve(properties.get("Timeout", 3))),
        memory=int(resolver.resolve(properties.get("MemorySize", 128))),
        api_events=tuple(api_events),
        sqs_events=tuple(sqs_events),
        stream_events=tuple(stream_events),
    )


def _cors(value: Any) -> CorsConfig | None:
    if value is None:
        return None
    if isinstance(value, str):  # Cors: "'*'" is shorthand for AllowOrigin
        return CorsConfig(allow_origin=_unquote(value))
    optional = {
        key: _unquote(value[key]) if key in value else None for key in ("AllowHeaders", "AllowMethods")
    }
    return CorsConfig(
        allow_origin=_unquote(value.get("AllowOrigin", "'*'")),
        allow_headers=optional["AllowHeaders"],
        allow_methods=optional["AllowMethods"],
        max_age=_unquote(value["MaxAge"]) if "MaxAge" in value else None,
        allow_credentials=_truthy(value.get("AllowCredentials", False)),
    )


def _gateway_responses(value: Mapping[str, Any]) -> dict[str, GatewayResponse]:
    responses: dict[str, GatewayResponse] = {}
    for kind, spec in value.items():
        templates = spec.get("ResponseTemplates") or {}
        headers = (spec.get("ResponseParameters") or {}).get("Headers") or {}
        status = spec.get("StatusCode")
        responses[kind] = GatewayResponse(
            status_code=int(status) if status is not None else None,
            body=templates.get("application/json", next(iter(templates.values()), None)),
            headers={name: _unquote(v) for name, v in headers.items()},
        )
    return responses


def _api(resolver: Resolver, logical_id: str, properties: Mapping[str, Any]) -> ApiSpec:
    # Only what the gateway emulates is resolved: DefinitionBody & co. may use intrinsics we do not know.
    keys = ("StageName", "Cors", "GatewayResponses", "BinaryMediaTypes")
    props = resolver.resolve({key: properties[key] for key in keys if key in properties})
    auth = properties.get("Auth") or {}
    return ApiSpec(
        logical_id=logical_id,
        stage_name=_scalar(props.get("StageName", "Prod")),
        cors=_cors(props.get("Cors")),
        gateway_responses=_gateway_responses(props.get("GatewayResponses") or {}),
        binary_media_types=tuple(str(t).replace("~1", "/") for t in props.get("BinaryMediaTypes") or ()),
        default_iam_auth=auth.get("DefaultAuthorizer") == "AWS_IAM",
    )


def _queue(resolver: Resolver, logical_id: str, properties: Mapping[str, Any]) -> QueueSpec:
    redrive = properties.get("RedrivePolicy")
    dead_letter: str | None = None
    if isinstance(redrive, dict) and "deadLetterTargetArn" in redrive:
        dead_letter = _target_logical_id(resolver, redrive["deadLetterTargetArn"], QUEUE, logical_id)
    return QueueSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        properties=resolver.resolve(dict(properties)),
        dead_letter_queue=dead_letter,
    )


def load_template(
    path: str | Path,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    parameters: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    queue_endpoint: str = DEFAULT_QUEUE_ENDPOINT,
) -> Template:
    """Load a SAM template. `queue_endpoint` is the SQS endpoint queue URLs (Ref of a queue) point at."""
    template_path = Path(path).resolve()
    document = load_yaml(template_path)
    root = template_path.parent
    resolver = Resolver(
        document,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=dict(parameters or {}),
        queue_endpoint=queue_endpoint,
    )
    global_section = document.get("Globals") or {}
    global_function = global_section.get("Function") or {}
    global_api = global_section.get("Api") or {}

    def included(resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or resolver.condition(str(condition))

    resources = {k: v for k, v in resolver.resources.items() if isinstance(v, dict) and included(v)}
    apis = {
        logical: _api(resolver, logical, _merge_globals(global_api, r.get("Properties") or {}))
        for logical, r in resources.items()
        if r.get("Type") == SERVERLESS_API
    }
    functions: dict[str, FunctionSpec] = {}
    for logical, resource in resources.items():
        if resource.get("Type") != FUNCTION:
            continue
        properties = _merge_globals(global_function, resource.get("Properties") or {})
        for event in (properties.get("Events") or {}).values():
            rest_api = (event.get("Properties") or {}).get("RestApiId")
            if event.get("Type") == "Api" and rest_api is None and IMPLICIT_API not in apis:
                apis[IMPLICIT_API] = _api(resolver, IMPLICIT_API, global_api)
        functions[logical] = _function(resolver, root, logical, properties, apis)
    tables = {
        logical: TableSpec(
            logical, resolver.physical_name(logical), resolver.resolve(r.get("Properties") or {})
        )
        for logical, r in resources.items()
        if r.get("Type") == TABLE
    }
    queues = {
        logical: _queue(resolver, logical, r.get("Properties") or {})
        for logical, r in resources.items()
        if r.get("Type") == QUEUE
    }
    buckets = {
        logical: BucketSpec(
            logical, resolver.physical_name(logical), resolver.resolve(r.get("Properties") or {})
        )
        for logical, r in resources.items()
        if r.get("Type") == BUCKET
    }
    description = document.get("Description")
    return Template(
        path=template_path,
        root=root,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=resolver.parameters,
        functions=functions,
        tables=tables,
        queues=queues,
        apis=apis,
        description=str(description).strip() if description else None,
        buckets=buckets,
    )
