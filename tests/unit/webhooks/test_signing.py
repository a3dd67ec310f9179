"""Ekademia's key and the Standard Webhooks signature, checked with the `standardwebhooks` package."""

from __future__ import annotations

import hashlib
import time

from standardwebhooks.webhooks import Webhook

from trackhub.webhooks.signing import ekademia_key, sign, standard_headers, standard_secret, verify


def test_key_is_sha256_of_user_time_secret_concatenated() -> None:
    assert ekademia_key("42", 1700000000, "s3cret") == hashlib.sha256(b"421700000000s3cret").hexdigest()
    assert ekademia_key("", 1700000000, None) == hashlib.sha256(b"1700000000").hexdigest()


def test_signature_matches_the_specs_test_vector() -> None:
    # Given the Standard Webhooks test vector (libraries/go/webhook_test.go)
    whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    # Then our signer produces the published signature
    assert sign(whsec, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}') == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_the_standardwebhooks_package_verifies_our_headers() -> None:
    # Given a body signed with the key derived from a code's secret
    body = '{"time":1,"key":"k"}'
    now = int(time.time())
    headers = standard_headers("msg_abc", now, body, standard_secret("s3cret"))
    # When a receiver verifies with the package / Then it accepts; a changed body is refused
    assert Webhook(standard_secret("s3cret")).verify(body, headers) == {"time": 1, "key": "k"}
    assert verify("s3cret", body, headers)
    assert not verify("s3cret", body + " ", headers)
    assert not verify("other", body, headers)
    assert not verify("s3cret", body, headers, now=now + 3600)


def test_no_secret_no_signature() -> None:
    assert "webhook-signature" not in standard_headers("msg_1", 1, "", None)
