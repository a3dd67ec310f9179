"""proxy.py: the API Gateway REST (payload 1.0) event and the proxy-response contract."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from trackhub_local.proxy import (
    LOCAL_ADMIN_ARN,
    GatewayIdentity,
    HttpRequest,
    MalformedProxyResponse,
    build_event,
    gateway_error,
    parse_result,
)
from trackhub_local.routes import RouteMatch
from trackhub_local.template import ApiSpec, GatewayResponse

GATEWAY = GatewayIdentity(account_id="123456789012", api_id="localapi", stage="v1")


def _request(**overrides: Any) -> HttpRequest:
    values: dict[str, Any] = {
        "method": "GET",
        "path": "/items/a%20b",
        "query": "",
        "headers": [("Host", "127.0.0.1:3000"), ("User-Agent", "pytest")],
        "body": b"",
        "source_ip": "127.0.0.1",
    }
    values.update(overrides)
    return HttpRequest(**values)


def _event(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    match = RouteMatch("/items/{id}", {"id": "a b"}, None)
    return build_event(request, match, GATEWAY, **kwargs)


def test_multi_value_query_and_headers() -> None:
    request = _request(
        query="tag=a&tag=b&empty=&q=x%20y",
        headers=[("Host", "h"), ("X-Multi", "1"), ("x-multi", "2"), ("X-Multi", "3")],
    )
    event = _event(request)
    assert event["queryStringParameters"] == {"tag": "b", "empty": "", "q": "x y"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "empty": [""], "q": ["x y"]}
    # Header names keep the case they were sent with, as API Gateway passes them on.
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "3"]
    assert event["multiValueHeaders"]["x-multi"] == ["2"]
    assert event["headers"]["X-Multi"] == "3"


def test_nulls_where_api_gateway_sends_null() -> None:
    event = _event(_request())
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    no_params = build_event(_request(path="/"), RouteMatch("/", {}, None), GATEWAY)
    assert no_params["pathParameters"] is None


def test_path_parameters_resource_and_request_context() -> None:
    now = datetime(2024, 4, 9, 12, 34, 56, tzinfo=UTC)
    request_id = "5f4e4b6e-6b1a-4b8e-9e8e-2d2b6c3f4a5b"
    event = _event(_request(), request_id=request_id, now=now)
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/a%20b"
    assert event["pathParameters"] == {"id": "a b"}
    context = event["requestContext"]
    assert context["requestId"] == request_id
    assert context["stage"] == "v1"
    assert context["path"] == "/v1/items/a%20b"
    assert context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "GET"
    assert context["accountId"] == "123456789012"
    assert context["apiId"] == "localapi"
    assert context["requestTime"] == "09/Apr/2024:12:34:56 +0000"
    assert context["requestTimeEpoch"] == int(now.timestamp() * 1000)
    assert context["protocol"] == "HTTP/1.1"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "pytest"
    assert context["identity"]["userArn"] is None
    assert context["extendedRequestId"]


def test_iam_routes_carry_the_local_admin_identity() -> None:
    identity = _event(_request(), iam_auth=True)["requestContext"]["identity"]
    assert identity["userArn"] == LOCAL_ADMIN_ARN
    assert identity["caller"] and identity["accountId"] == "000000000000"
    signed = _request(
        headers=[("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1")]
    )
    assert _event(signed, iam_auth=True)["requestContext"]["identity"]["accessKey"] == "AKIDEXAMPLE"


def test_text_body_and_base64_for_binary() -> None:
    text = _event(
        _request(method="POST", body='{"é": 1}'.encode(), headers=[("Content-Type", "application/json")])
    )
    assert text["body"] == '{"é": 1}' and text["isBase64Encoded"] is False
    raw = bytes(range(256))
    invalid_utf8 = _event(_request(method="POST", body=raw, headers=[("Content-Type", "application/json")]))
    assert invalid_utf8["isBase64Encoded"] is True
    assert base64.b64decode(invalid_utf8["body"]) == raw
    png = _event(
        _request(method="POST", body=b"text", headers=[("Content-Type", "image/png")]),
        binary_media_types=("image/png",),
    )
    assert png["isBase64Encoded"] is True and png["body"] == base64.b64encode(b"text").decode()
    octets = _event(
        _request(method="POST", body=b"abc", headers=[("Content-Type", "application/octet-stream")])
    )
    assert octets["isBase64Encoded"] is True


def test_parse_result_merges_headers_and_decodes_base64() -> None:
    response = parse_result(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-One": "1", "Set-Cookie": "a=1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x00\xff").decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.status == 201
    assert response.body == b"\x00\xff"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("X-One", "1") in response.headers


def test_parse_result_defaults() -> None:
    response = parse_result({"statusCode": "204"})
    assert response.status == 204
    assert response.body == b""
    assert ("Content-Type", "application/json") in response.headers


@pytest.mark.parametrize(
    "result",
    [
        None,
        "a string",
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "", "unexpected": 1},
        {"body": "no status"},
        {"statusCode": 99},
        {"statusCode": 200, "headers": {"X": {"nested": 1}}},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
    ],
)
def test_malformed_results(result: Any) -> None:
    with pytest.raises(MalformedProxyResponse):
        parse_result(result)


def test_gateway_errors_use_the_template_and_fall_back_to_defaults() -> None:
    api = ApiSpec(
        logical_id="Api",
        stage_name="v1",
        cors=None,
        gateway_responses={
            "MISSING_AUTHENTICATION_TOKEN": GatewayResponse(404, '{"message": "Not found", "code": "x"}'),
            "DEFAULT_5XX": GatewayResponse(
                None, '{"message": $context.error.messageString}', {"X-Extra": "1"}
            ),
        },
        binary_media_types=(),
        default_iam_auth=False,
    )
    not_found = gateway_error("MISSING_AUTHENTICATION_TOKEN", api, "rid")
    assert (not_found.status, json.loads(not_found.body)) == (404, {"message": "Not found", "code": "x"})
    timeout = gateway_error("INTEGRATION_TIMEOUT", api, "rid")
    assert (timeout.status, json.loads(timeout.body)) == (504, {"message": "Endpoint request timed out"})
    assert ("X-Extra", "1") in timeout.headers
    too_large = gateway_error("REQUEST_TOO_LARGE", None, "rid")
    assert too_large.status == 413
    failed = gateway_error("LAMBDA_ERROR", api, "rid")  # not a gateway response: not customisable
    assert (failed.status, json.loads(failed.body)) == (502, {"message": "Internal server error"})
    assert gateway_error("MISSING_AUTHENTICATION_TOKEN", None, "rid").status == 404


def test_gateway_headers_replace_the_clients() -> None:
    request = _request(headers=[("Host", "h"), ("x-forwarded-for", "10.0.0.1")])
    gateway = GatewayIdentity("1", "api", "v1", extra_headers={"X-Forwarded-For": "10.0.0.1, 127.0.0.1"})
    event = build_event(request, RouteMatch("/items/{id}", {"id": "a b"}, None), gateway)
    assert event["multiValueHeaders"]["X-Forwarded-For"] == ["10.0.0.1, 127.0.0.1"]
    assert "x-forwarded-for" not in event["headers"]
