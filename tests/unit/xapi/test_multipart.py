"""multipart/mixed framing (RFC 2046 §5.1): parse what xAPI clients send, build what GET returns."""

from __future__ import annotations

import time

import pytest

from trackhub.errors import InvalidInput
from trackhub.xapi import multipart

BOUNDARY = "-------314159265358979323846"
CONTENT_TYPE = f"multipart/mixed; boundary={BOUNDARY}"
ALL_BYTES = bytes(range(256)) + b"\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n\r\n"


def body(*parts: bytes, boundary: str = BOUNDARY, end: bytes = b"\r\n") -> bytes:
    dash = b"--" + boundary.encode()
    return b"".join(dash + b"\r\n" + part + b"\r\n" for part in parts) + dash + b"--" + end


def test_parses_parts_with_their_headers_and_content() -> None:
    # Given a statement part and an attachment part
    raw = body(b"Content-Type: application/json\r\n\r\n{}", b"X-Experience-API-Hash: abc\r\n\r\nhello")
    # When it is parsed
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then both parts come back in order, header names lower-cased
    assert [p.content for p in parts] == [b"{}", b"hello"]
    assert parts[0].header("Content-Type") == "application/json"
    assert parts[1].headers == {"x-experience-api-hash": "abc"}


def test_a_quoted_boundary_parameter_is_unquoted() -> None:
    # Given a Content-Type whose boundary is a quoted string with a space
    raw = body(b"A: 1\r\n\r\nx", boundary="a b")
    # When it is parsed
    parts = multipart.parse(raw, 'multipart/mixed; charset=utf-8; boundary="a b"')
    # Then the quoted boundary delimits the part
    assert parts[0].content == b"x"


def test_binary_content_is_returned_byte_for_byte() -> None:
    # Given content holding every byte value, CRLFs and a near-delimiter
    raw = body(b"A: 1\r\n\r\n" + ALL_BYTES)
    # When it is parsed
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then the content is exactly what was sent
    assert parts[0].content == ALL_BYTES


def test_preamble_epilogue_and_transport_padding_are_ignored() -> None:
    # Given a preamble, padding after a delimiter, no CRLF after the close delimiter and an epilogue
    dash = b"--" + BOUNDARY.encode()
    raw = b"preamble\r\n" + dash + b" \t\r\nA: 1\r\n\r\nx\r\n" + dash + b"--epilogue"
    # When it is parsed
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then only the body part remains
    assert [p.content for p in parts] == [b"x"]


def test_a_body_opening_with_crlf_is_accepted() -> None:
    # Given the conformance suite's signed-statement framing: CRLF first, no space after colons
    raw = b"\r\n" + body(b"Content-Type:application/json\r\n\r\n{}", end=b"")
    # When it is parsed
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then the part and its header are read
    assert parts[0].header("content-type") == "application/json"


def test_folded_header_lines_are_joined() -> None:
    # Given a header folded over two lines
    raw = body(b"X-Long: one\r\n two\r\n\r\nx")
    # When it is parsed
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then the value is one line
    assert parts[0].header("x-long") == "one two"


def test_a_part_without_headers_has_only_content() -> None:
    # Given a part that starts with its blank line
    raw = body(b"\r\ncontent")
    # When it is parsed
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then it has no headers and its content
    assert parts[0].headers == {}
    assert parts[0].content == b"content"


@pytest.mark.parametrize(
    ("content_type", "raw", "message"),
    [
        ("multipart/mixed;", body(b"A: 1\r\n\r\nx"), "needs a boundary"),
        ("multipart/mixed; boundary=" + "x" * 71, body(b"A: 1\r\n\r\nx"), "1-70"),
        ("multipart/mixed; boundary=other", body(b"A: 1\r\n\r\nx"), "does not occur"),
        (CONTENT_TYPE, body(b"A: 1\r\n\r\nx")[: -len(BOUNDARY) - 6], "closing boundary"),
        (CONTENT_TYPE, body(b"no colon here\r\n\r\nx"), "malformed header"),
        (CONTENT_TYPE, body(b"A: 1\r\nx"), "blank line"),
        (CONTENT_TYPE, b"--" + BOUNDARY.encode() + b"junk\r\n", "first boundary"),
    ],
    ids=[
        "no-boundary",
        "long-boundary",
        "boundary-absent",
        "no-close",
        "bad-header",
        "no-blank-line",
        "bad-first",
    ],
)
def test_framing_errors_are_400(content_type: str, raw: bytes, message: str) -> None:
    # Given a body or Content-Type that breaks RFC 2046
    # When it is parsed
    with pytest.raises(InvalidInput) as error:
        multipart.parse(raw, content_type)
    # Then a 400 says what is wrong
    assert message in error.value.message


def test_text_that_only_begins_like_a_delimiter_stays_content() -> None:
    # Given content with CRLF--boundary followed by more boundary characters
    content = b"a\r\n--" + BOUNDARY.encode() + b"x tail"
    raw = body(b"A: 1\r\n\r\n" + content)
    # When it is parsed
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then the near-delimiter is part of the content
    assert parts[0].content == content


def test_a_large_body_is_parsed_in_linear_time() -> None:
    # Given 4 MB of content full of CRLF and dashes (near-delimiters everywhere)
    content = b"\r\n--" * (1 << 20)
    raw = body(b"A: 1\r\n\r\n" + content, b"B: 2\r\n\r\n" + content)
    # When it is parsed
    started = time.perf_counter()
    parts = multipart.parse(raw, CONTENT_TYPE)
    # Then it takes well under a second and keeps every byte
    assert time.perf_counter() - started < 1.0
    assert [len(p.content) for p in parts] == [len(content), len(content)]


def test_build_then_parse_round_trips() -> None:
    # Given parts with binary content
    parts = [
        multipart.Part(content=b'{"a":1}', headers={"Content-Type": "application/json"}),
        multipart.Part(content=ALL_BYTES, headers={"X-Experience-API-Hash": "abc"}),
    ]
    # When they are built into a body and parsed again
    raw, content_type = multipart.build(parts)
    again = multipart.parse(raw, content_type)
    # Then content and headers survive, and the Content-Type names an unquoted boundary
    assert [p.content for p in again] == [b'{"a":1}', ALL_BYTES]
    assert again[1].header("x-experience-api-hash") == "abc"
    assert content_type.startswith("multipart/mixed; boundary=")
    assert '"' not in content_type


def test_build_keeps_header_values_on_one_line() -> None:
    # Given a header value with a CRLF in it
    parts = [multipart.Part(content=b"x", headers={"Content-Type": "text/plain\r\nX-Injected: 1"})]
    # When it is built and parsed
    raw, content_type = multipart.build(parts)
    again = multipart.parse(raw, content_type)
    # Then no extra header appears
    assert again[0].header("x-injected") is None
    assert again[0].header("content-type") == "text/plain X-Injected: 1"


def test_media_type_reads_type_and_parameters() -> None:
    # Given a Content-Type with upper case and a quoted parameter
    # When it is read
    kind, params = multipart.media_type('Multipart/Mixed ; Boundary="x;y"; charset=utf-8')
    # Then the type is lower-cased and the quoted value kept whole
    assert kind == "multipart/mixed"
    assert params == {"boundary": "x;y", "charset": "utf-8"}
