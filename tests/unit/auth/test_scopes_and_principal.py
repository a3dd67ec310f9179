from datetime import UTC, datetime

import pytest

from trackhub.auth.principal import Principal
from trackhub.auth.scopes import EVERY_NON_ADMIN_SCOPE, Part, check_scope, parse_program_scope
from trackhub.tenancy.models import Program, Status, Subscription

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def program(pid: str, account: str = "acme", *, hub: bool = False, status: Status = Status.ACTIVE) -> Program:
    return Program(program_id=pid, account_id=account, name=pid, status=status, hub_owned=hub, created_at=NOW)


def principal(*scopes: str, account: str = "acme") -> Principal:
    return Principal(user_id="tk_0000000000000001", account_id=account, scopes=frozenset(scopes))


def sub(subscriber: str, publisher: str, account: str = "acme") -> Subscription:
    return Subscription(
        program_id=subscriber, publisher_program_id=publisher, subscriber_account_id=account, created_at=NOW
    )


@pytest.mark.parametrize("scope", [*EVERY_NON_ADMIN_SCOPE, "events:read:PROG-1", "events:publish:a.b_c"])
def test_well_formed_scopes_are_accepted(scope: str) -> None:
    assert check_scope(scope) == scope


@pytest.mark.parametrize(
    "scope", ["admin", "events:write:P", "events:read:", "events:read:bad id", "WEBTRACKING", ""]
)
def test_unknown_scopes_are_rejected_naming_the_scope(scope: str) -> None:
    with pytest.raises(ValueError, match="unknown scope"):
        check_scope(scope)


def test_parse_program_scope() -> None:
    assert parse_program_scope("events:read:*") == ("read", "*")
    assert parse_program_scope("collector") is None


def test_publish_needs_the_program_scope_or_the_wildcard_in_the_same_account() -> None:
    pub = program("PUB")
    assert principal("events:publish:PUB").may_publish(pub)
    assert principal("events:publish:*").may_publish(pub)
    assert not principal("events:read:PUB").may_publish(pub)
    assert not principal("events:publish:OTHER").may_publish(pub)
    assert not principal("events:publish:PUB", account="other").may_publish(pub)
    assert not principal("events:publish:PUB").may_publish(program("PUB", status=Status.REVOKED))


def test_the_wildcard_never_publishes_into_the_hubs_own_programs_but_reads_them() -> None:
    hub = program("acme-webtracking", hub=True)
    assert not principal("events:publish:*").may_publish(hub)
    assert principal("events:read:*").may_read(hub)


def test_read_as_owner_or_through_a_subscribed_program() -> None:
    pub = program("PUB")
    subs = [sub("SUB", "PUB")]
    assert principal("events:read:PUB").may_read(pub)
    assert principal("events:read:SUB").may_read(pub, subs)
    assert principal("events:read:*").may_read(pub, subs)
    assert not principal("events:read:OTHER").may_read(pub, subs)
    # A key of another account holding a scope with the same program name reads nothing.
    assert not principal("events:read:SUB", account="evil").may_read(pub, subs)
    assert not principal("events:publish:SUB").may_read(pub, subs)


def test_parts() -> None:
    assert principal("webtracking").has_part(Part.WEBTRACKING)
    assert not principal("webtracking").has_part(Part.COLLECTOR)
