import base64

import pytest

from trackhub.auth.credentials import (
    USER_ID_PATTERN,
    hash_secret,
    new_api_key,
    new_user_id,
    parse_basic,
    secret_matches,
)
from trackhub.errors import Unauthenticated


def _basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


def test_generated_ids_and_secrets_are_unguessable_and_well_formed() -> None:
    # Given many generated credentials
    users = {new_user_id() for _ in range(200)}
    keys = {new_api_key() for _ in range(200)}
    # Then none repeats, user ids follow the pattern and secrets carry 256 bits (43 url-safe chars)
    assert len(users) == 200 and len(keys) == 200
    assert all(USER_ID_PATTERN.match(u) for u in users)
    assert all(len(k) == 43 for k in keys)


def test_secret_is_stored_hashed_and_matched_exactly() -> None:
    secret = new_api_key()
    stored = hash_secret(secret)
    assert secret not in stored and len(stored) == 64
    assert secret_matches(secret, stored)
    assert not secret_matches(secret + "x", stored)
    assert not secret_matches(secret, None)


def test_parse_basic_reads_user_and_key_with_colons_in_the_key() -> None:
    creds = parse_basic(_basic("tk_0123456789abcdef:se:cret"))
    assert (creds.user_id, creds.api_key) == ("tk_0123456789abcdef", "se:cret")
    assert parse_basic("basic " + base64.b64encode(b"u:k").decode()).user_id == "u"


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, "Missing Authorization"),
        ("", "Missing Authorization"),
        ("Bearer abc", "Basic scheme"),
        ("Basic", "Basic scheme"),
        ("Basic !!!notbase64", "not valid base64"),
        (_basic("no-colon"), "userId:apiKey"),
        (_basic(":only-key"), "userId:apiKey"),
        (_basic("only-user:"), "userId:apiKey"),
        ("Basic " + "A" * 600, "too long"),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "not valid base64"),
    ],
)
def test_parse_basic_rejects_malformed_headers_with_a_reason(header: str | None, problem: str) -> None:
    with pytest.raises(Unauthenticated, match=problem):
        parse_basic(header)
