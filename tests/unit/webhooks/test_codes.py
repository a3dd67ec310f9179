"""The {WEBHOOK} / {WEBHOOKJS} grammar, edge case by edge case (docs/webhooks.md)."""

from __future__ import annotations

import pytest

from trackhub.webhooks.codes import CodeKind, InvalidCode, parse_code, scan
from trackhub.webhooks.models import Method


@pytest.mark.parametrize(
    ("text", "url", "secret", "method", "lock"),
    [
        ("{WEBHOOK:https://hooks.example.com/in}", "https://hooks.example.com/in", None, Method.GET, 15),
        (
            "{WEBHOOK:https://hooks.example.com/in:abc123}",
            "https://hooks.example.com/in",
            "abc123",
            Method.GET,
            15,
        ),
        ("{WEBHOOK:https://h.example.com/in:abc:POST}", "https://h.example.com/in", "abc", Method.POST, 15),
        ("{WEBHOOK:https://h.example.com/in:abc:post:0}", "https://h.example.com/in", "abc", Method.POST, 0),
        (
            "{WEBHOOK:https://h.example.com/in:abc:GET:10000000}",
            "https://h.example.com/in",
            "abc",
            Method.GET,
            10**7,
        ),
        # a port is never a secret, with or without a path after it
        ("{WEBHOOK:https://h.example.com:8443}", "https://h.example.com:8443", None, Method.GET, 15),
        ("{WEBHOOK:https://h.example.com:8443:s1}", "https://h.example.com:8443", "s1", Method.GET, 15),
        (
            "{WEBHOOK:https://h.example.com:8443/p?a=1&b=2:s1:POST:5}",
            "https://h.example.com:8443/p?a=1&b=2",
            "s1",
            Method.POST,
            5,
        ),
        # digits-and-letters right after the host are a secret, not a port
        ("{WEBHOOK:https://h.example.com:123abc}", "https://h.example.com", "123abc", Method.GET, 15),
        # rich-text editors store & as &amp;
        (
            "{WEBHOOK:https://h.example.com/?a=1&amp;b=2}",
            "https://h.example.com/?a=1&b=2",
            None,
            Method.GET,
            15,
        ),
        ("{WEBHOOK:https://[2001:db8::1]:8443/x:k}", "https://[2001:db8::1]:8443/x", "k", Method.GET, 15),
        ("{WEBHOOK:HTTPS://h.example.com/x}", "https://h.example.com/x", None, Method.GET, 15),
        (
            "{WEBHOOK:https://h.example.com/a%3Ab?t=10%3A30}",
            "https://h.example.com/a%3Ab?t=10%3A30",
            None,
            Method.GET,
            15,
        ),
    ],
)
def test_valid_codes(text: str, url: str, secret: str | None, method: Method, lock: int) -> None:
    # Given a code alone / When it is parsed / Then every part is read as the grammar says
    code = parse_code(text)
    assert (code.url, code.secret, code.method, code.lock_minutes) == (url, secret, method, lock)


def test_webhookjs_has_no_lock_and_defaults_to_get() -> None:
    code = parse_code("{WEBHOOKJS:https://h.example.com/js:s3:POST}", kind=CodeKind.WEBHOOKJS)
    assert (code.kind, code.method, code.lock_minutes, code.secret) == (
        CodeKind.WEBHOOKJS,
        Method.POST,
        0,
        "s3",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{WEBHOOK:http://h.example.com/x}", "must start with https://"),
        ("{WEBHOOK:ftp://h.example.com/x}", "starting with https:// is required"),
        ("{WEBHOOK}", "needs a URL"),
        ("{WEBHOOK:https://h.example.com/x:}", "secret must not be empty"),
        ("{WEBHOOK:https://h.example.com/x::POST}", "secret must not be empty"),
        ("{WEBHOOK:https://h.example.com/x:se-cret}", "letters and digits only"),
        ("{WEBHOOK:https://h.example.com/x:s:PUT}", "GET or POST"),
        ("{WEBHOOK:https://h.example.com/x:s:GET:-1}", "whole number of minutes"),
        ("{WEBHOOK:https://h.example.com/x:s:GET:1.5}", "whole number of minutes"),
        ("{WEBHOOK:https://h.example.com/x:s:GET:5:extra}", "%3A"),
        ("{WEBHOOKJS:https://h.example.com/x:s:GET:5}", "takes no lock"),
        ("{WEBHOOK:https://h.example.com:99999/x}", "out of range"),
        ("{WEBHOOK:https://user@h.example.com/x}", "credentials"),
        ("{WEBHOOK:https://bad_host!/x}", "not a valid host"),
        ("{WEBHOOK:https:///x}", "not a valid host"),
        ("{Webhook:https://h.example.com/x}", "capitals"),
        ("{WEBHOOK:https://h.example.com/x?q=a b}", "not closed"),
        ("{WEBHOOK:https://h.example.com/x", "not closed"),
    ],
)
def test_malformed_codes_are_reported_with_a_reason(text: str, reason: str) -> None:
    # Given a malformed code / When scanned / Then it is an error naming the problem, never a code
    result = scan(f"before {text} after")
    assert result.codes == ()
    assert len(result.errors) == 1 and reason in result.errors[0].reason, result.errors
    assert result.errors[0].position == len("before ")
    with pytest.raises(InvalidCode):
        parse_code(text)


def test_positions_lines_and_columns_of_several_codes() -> None:
    # Given content with two good codes and a bad one on the third line
    content = (
        "<p>{WEBHOOK:https://a.example.com}</p>\n<p>{WEBHOOKJS:https://b.example.com:k}</p>\n  {WEBHOOK:x}"
    )
    # When scanned
    result = scan(content)
    # Then both codes are found in order and the error points at line 3, column 3
    assert [c.url for c in result.codes] == ["https://a.example.com", "https://b.example.com"]
    assert [c.start for c in result.codes] == [3, content.index("{WEBHOOKJS")]
    (error,) = result.errors
    assert (error.line, error.column, error.position) == (3, 3, content.index("{WEBHOOK:x}"))
    assert error.code == "{WEBHOOK:x}"


def test_text_that_is_not_a_code_is_left_alone() -> None:
    assert scan("{WEBHOOKS} {WEBHOOKX:1} {NOTWEBHOOK} webhook").codes == ()
    assert scan("{WEBHOOKS} {WEBHOOKX:1} {NOTWEBHOOK} webhook").errors == ()


def test_a_subscription_code_must_be_exactly_one_webhook_code() -> None:
    with pytest.raises(InvalidCode, match="exactly one"):
        parse_code("{WEBHOOK:https://a.example.com} trailing")
    with pytest.raises(InvalidCode, match="WEBHOOK"):
        parse_code("{WEBHOOKJS:https://a.example.com}")
