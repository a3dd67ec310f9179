import json

import pytest
from hubtest.apigw import api_event

from trackhub.api.guards import check_request
from trackhub.config import reset_settings
from trackhub.errors import InvalidInput, PayloadTooLarge


@pytest.fixture(autouse=True)
def _small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("MAX_JSON_DEPTH", "5")
    reset_settings()


def test_a_body_within_limits_passes() -> None:
    check_request(api_event("POST", "/x", body={"a": [1, {"b": 2}]}))
    check_request(api_event("GET", "/x"))


def test_oversize_bodies_are_413_also_when_base64_encoded() -> None:
    with pytest.raises(PayloadTooLarge, match="limit is 1000 bytes"):
        check_request(api_event("POST", "/x", body={"a": "x" * 1000}))
    with pytest.raises(PayloadTooLarge):
        check_request(api_event("POST", "/x", raw_body=b"\x00" * 1001))


@pytest.mark.parametrize("raw", ["{", '{"a":}', "[1,2", "nul", '{"a": NaN}', "[Infinity]", '{"a":1} x'])
def test_malformed_json_is_400(raw: str) -> None:
    with pytest.raises(InvalidInput, match="Malformed JSON"):
        check_request(api_event("POST", "/x", raw_body=raw))


def test_deep_nesting_is_400_and_never_a_recursion_crash() -> None:
    with pytest.raises(InvalidInput, match="nested deeper than 5"):
        check_request(api_event("POST", "/x", raw_body=json.dumps([[[[[[1]]]]]])))


def test_pathological_nesting_is_400_and_never_a_recursion_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "1000000")
    reset_settings()
    with pytest.raises(InvalidInput, match="nested deeper"):
        check_request(api_event("POST", "/x", raw_body="[" * 200_000 + "]" * 200_000))


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_form_bodies_are_left_to_endpoints_that_take_them() -> None:
    check_request(api_event("POST", "/x", raw_body="a=1&b=2", headers=FORM), json_bodies=False)


def test_json_endpoints_read_json_whatever_the_declared_type() -> None:
    # Given JSON sent the way `curl -d` sends it (as a form), as Falkor's own examples do
    event = api_event("POST", "/x", raw_body='{"webToken": "t"}', headers=FORM)
    # When checked for a JSON endpoint, it passes and is relabelled as JSON for the router
    check_request(event)
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["Content-Type"] == ["application/json"]
    # And a real form body sent to a JSON endpoint is a 400, not a 415
    with pytest.raises(InvalidInput, match="Malformed JSON"):
        check_request(api_event("POST", "/x", raw_body="a=1&b=2", headers=FORM))


def test_invalid_base64_is_400() -> None:
    event = api_event("POST", "/x", raw_body="x")
    event["isBase64Encoded"] = True
    event["body"] = "***"
    with pytest.raises(InvalidInput, match="base64"):
        check_request(event)
