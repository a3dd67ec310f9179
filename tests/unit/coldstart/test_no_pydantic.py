"""Functions whose routes validate no body never import pydantic: not at init, not on a request.

Their settings are NamedTuples read by `trackhub/settings/base.py`, records are NamedTuples, and the
xAPI routes read the raw event; pydantic (~15 % of the boto3 floor) stays with the routes that take
a body or query model (docs/performance.md, "Session 7"). One fresh interpreter per case, moto in
process (moto itself imports no pydantic), the account seeded through the tenancy service.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hubtest import fresh

ROOT = Path(__file__).resolve().parents[3]
WITHOUT_PYDANTIC = [
    "xapi_about",
    "xapi_statements_post",
    "xapi_statements_get",
    "xapi_state_put",
    "webhooks_delete",
    "admin_revoke_subscription",
    "webhook_deliver",
]

_CHILD = """
import base64, json, os, sys
os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
                  POWERTOOLS_METRICS_NAMESPACE="trackhub", POWERTOOLS_TRACE_DISABLED="true")
from moto import mock_aws
import boto3
with mock_aws():
    from trackhub_local.resources import create_buckets, create_tables
    from hubtest.template import BUCKET_ENV, TABLE_ENV, project_template
    for logical_id, name in create_tables(boto3.client("dynamodb"), project_template()).items():
        if logical_id in TABLE_ENV:
            os.environ[TABLE_ENV[logical_id]] = name
    for logical_id, name in create_buckets(boto3.client("s3"), project_template()).items():
        if logical_id in BUCKET_ENV:
            os.environ[BUCKET_ENV[logical_id]] = name
    from trackhub.tenancy import service
    service.create_account("Acme", "acme")
    key, secret = service.create_key("acme", ["collector"], "lrs")
    seeded = "pydantic" in sys.modules
    import importlib.util
    spec = importlib.util.spec_from_file_location("app", {handler!r})
    app = importlib.util.module_from_spec(spec)
    sys.modules["app"] = app
    spec.loader.exec_module(app)
    at_init = "pydantic" in sys.modules
    auth = "Basic " + base64.b64encode(f"{{key.user_id}}:{{secret}}".encode()).decode()
    headers = {{"Authorization": auth, "X-Experience-API-Version": "1.0.3",
               "Content-Type": "application/json"}}
    statement = {{"actor": {{"mbox": "mailto:a@example.com"}}, "verb": {{"id": "http://example.com/v"}},
                 "object": {{"id": "http://example.com/a"}}}}
    event = {{"httpMethod": {method!r}, "path": {path!r}, "resource": {path!r}, "headers": headers,
             "queryStringParameters": {query!r}, "requestContext": {{"requestId": "r", "stage": "v1"}},
             "body": json.dumps(statement) if {method!r} in ("POST", "PUT") else None}}
    context = {context}
    if {method!r} == "SQS":  # one delivery the table does not hold
        event = {{"Records": [{{"messageId": "m1", "receiptHandle": "r1", "eventSource": "aws:sqs",
                               "body": json.dumps({{"deliveryId": "d-unknown"}}),
                               "attributes": {{"ApproximateReceiveCount": "1"}}, "messageAttributes": {{}},
                               "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q"}}]}}
    answer = app.lambda_handler(event, context)
    status = answer.get("statusCode", 200) if isinstance(answer, dict) else 200
print(json.dumps({{"seeded": seeded, "at_init": at_init, "after_request": "pydantic" in sys.modules,
                  "status": status}}))
"""

REQUESTS = {
    "xapi_about": ("GET", "/xapi/about", None),
    "xapi_statements_post": ("POST", "/xapi/statements", None),
    "xapi_statements_get": ("GET", "/xapi/statements", {"limit": "1"}),
    "xapi_state_put": (
        "PUT",
        "/xapi/activities/state",
        {"activityId": "http://example.com/a", "agent": '{"mbox":"mailto:a@example.com"}', "stateId": "s"},
    ),
    "webhooks_delete": ("DELETE", "/v1/webhooks/wh-unknown", None),
    "admin_revoke_subscription": ("DELETE", "/admin/accounts/acme/subscriptions/unknown", None),
    "webhook_deliver": ("SQS", "", None),
}


@pytest.mark.parametrize("name", WITHOUT_PYDANTIC)
def test_a_function_without_body_models_never_imports_pydantic(name: str) -> None:
    # Given the function's handler imported alone after the account was seeded without pydantic
    method, path, query = REQUESTS[name]
    child = _CHILD.format(
        handler=str(ROOT / "functions" / name / "app.py"),
        method=method,
        path=path,
        query=query,
        context=fresh.LAMBDA_CONTEXT,
    )
    # moto runs in the child, so it may import what the layer lacks (awscrt)
    result = fresh.run(child, ROOT / "tests", ROOT / "local", refused=())
    # When it serves a request / Then pydantic was loaded neither at init nor by the request
    assert result["seeded"] is False
    assert result["status"] < 500, result
    assert (result["at_init"], result["after_request"]) == (False, False), result
