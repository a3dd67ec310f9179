"""Tokens, ids and launch URLs: pure functions."""

from __future__ import annotations

import re

import pytest

from trackhub.webtracking.tokens import launch_url, new_id, new_token, token_hash


def test_tokens_carry_at_least_128_random_bits_and_are_url_safe() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)  # 24 bytes = 192 bits


def test_the_table_key_is_the_sha256_not_the_token() -> None:
    token = new_token()
    digest = token_hash(token)
    assert re.fullmatch(r"[0-9a-f]{64}", digest) and token not in digest


def test_generated_ids_look_like_falkor_skus() -> None:
    assert re.fullmatch(r"PW-[A-Z0-9]{4}-[A-Z0-9]{4}", new_id("PW"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://lms.example.com/course/42", "https://lms.example.com/course/42?webToken=T"),
        ("https://lms.example.com/course/42?lang=en", "https://lms.example.com/course/42?lang=en&webToken=T"),
        ("https://lms.example.com/c?lang=en#intro", "https://lms.example.com/c?lang=en&webToken=T#intro"),
        ("https://lms.example.com/c#/route?x=1", "https://lms.example.com/c?webToken=T#/route?x=1"),
        ("http://lms.example.com", "http://lms.example.com?webToken=T"),
    ],
)
def test_the_webtoken_is_appended_with_question_mark_or_ampersand(url: str, expected: str) -> None:
    assert launch_url(url, "T") == expected


def test_the_webtoken_is_url_encoded() -> None:
    assert launch_url("https://x.example/a", "a b&c=d") == "https://x.example/a?webToken=a%20b%26c%3Dd"
