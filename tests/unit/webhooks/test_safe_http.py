"""The sender against a real HTTPS receiver on 127.0.0.1 (throwaway CA), and the address rules."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from hubtest.receiver import Receiver

from trackhub.webhooks.safe_http import forbidden_reason, parse_networks, send

LOOPBACK = parse_networks("127.0.0.0/8")


def test_post_reaches_the_receiver_over_verified_tls(receiver: Receiver) -> None:
    # Given a receiver whose certificate only the throwaway CA (SSL_CERT_FILE) vouches for
    # When the sender posts JSON to it, loopback allowed
    result = send(
        "POST",
        receiver.url("/in?x=1"),
        body=b'{"a":1}',
        headers={"Content-Type": "application/json"},
        allowed=LOOPBACK,
    )
    # Then it arrives intact and the 2xx is a success
    assert result.ok and result.status == 200, result
    (got,) = receiver.wait_for(1)
    assert (got.method, got.path, got.query, json.loads(got.body)) == ("POST", "/in", {"x": "1"}, {"a": 1})
    assert got.headers["host"] == f"127.0.0.1:{receiver.port}"


def test_host_names_are_resolved_here_and_checked_as_addresses(receiver: Receiver) -> None:
    # Given `localhost` (it resolves to loopback) / When sent without and with the allowance
    refused = send("GET", receiver.url("/x", host="localhost"), allowed=())
    allowed = send(
        "GET",
        receiver.url("/x", host="localhost"),
        allowed=LOOPBACK,
        resolver=lambda host, port: ["127.0.0.1"],
    )
    # Then the name is judged by its address, and TLS is checked against the name
    assert refused.error and "loopback" in refused.error
    assert allowed.ok, allowed


def test_an_untrusted_certificate_is_refused(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given a trust store that does not hold the receiver's CA
    other = Receiver(tmp_path / "other")  # its CA file only; never started
    other.server.server_close()
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca_file))
    # When sent / Then TLS verification fails and nothing is delivered
    result = send("GET", receiver.url(), allowed=LOOPBACK)
    assert not result.ok and result.error and "certificate" in result.error
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://10.0.0.1/x", "private"),
        ("https://[::ffff:127.0.0.1]/x", "loopback"),
        ("https://[::ffff:7f00:1]/x", "loopback"),
        ("https://100.64.0.1/x", "private or reserved"),
        ("https://224.0.0.1/x", "multicast"),
        ("https://0.0.0.0/x", "unspecified"),
        ("https://[fd00:ec2::254]/x", "private"),
        ("https://240.0.0.1/x", "reserved"),
        ("http://93.184.216.34/x", "only https"),
    ],
)
def test_private_and_special_targets_are_refused_without_a_connection(url: str, reason: str) -> None:
    # Given no allowance / When the sender is pointed at a non-public address / Then it refuses
    result = send("GET", url, deadline_seconds=1)
    assert not result.ok and result.status is None
    assert result.error and reason in result.error, result.error


def test_the_allowance_is_the_only_way_to_loopback(receiver: Receiver) -> None:
    # Given the IPv4-mapped form of loopback
    url = f"https://[::ffff:127.0.0.1]:{receiver.port}/mapped"
    # When sent without and then with 127.0.0.0/8 allowed
    refused = send("GET", url)
    # Then only the allowance lets it through (the mapped address is judged as 127.0.0.1)
    assert refused.error and "loopback" in refused.error
    assert forbidden_reason(ipaddress.ip_address("::ffff:127.0.0.1"), LOOPBACK) is None


def test_a_redirect_is_a_failure_and_is_never_followed(receiver: Receiver) -> None:
    # Given a receiver that redirects to the metadata service
    receiver.respond(302, headers={"Location": "https://169.254.169.254/latest/meta-data/"})
    # When sent
    result = send("GET", receiver.url("/r"), allowed=LOOPBACK)
    # Then the 302 is the result, recorded as a failure, and only one request was made
    assert result.status == 302 and result.error and "redirect" in result.error
    assert len(receiver.wait_for(1, timeout=1)) == 1


def test_one_total_deadline(receiver: Receiver) -> None:
    # Given a receiver that answers after 3 s / When the deadline is 0.5 s
    receiver.respond(200, delay=3)
    result = send("GET", receiver.url("/slow"), allowed=LOOPBACK, deadline_seconds=0.5)
    # Then the attempt fails as a timeout, well before the receiver answers
    assert not result.ok and result.error and "timed out" in result.error
    assert result.duration_ms < 2500


def test_non_2xx_is_a_failure_and_the_answer_is_capped(receiver: Receiver) -> None:
    receiver.respond(503)
    result = send("GET", receiver.url(), allowed=LOOPBACK, max_response_bytes=4)
    assert result.status == 503 and result.error == "HTTP 503" and len(result.body) <= 4


def test_connection_refused_is_a_failure() -> None:
    # Given a closed port on loopback (allowed) / Then a connection error, not an exception
    result = send("GET", "https://127.0.0.1:1/x", allowed=LOOPBACK, deadline_seconds=2)
    assert not result.ok and result.error and "connection failed" in result.error


def test_bad_allowance_is_reported() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_ALLOW_NETWORKS"):
        parse_networks("127.0.0.0/8, not-a-net")
