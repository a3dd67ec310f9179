"""Provisioning rules behind the admin API: what may be created, by whom it may later be used."""

from __future__ import annotations

import secrets

from trackhub.auth.credentials import hash_secret, new_api_key, new_user_id
from trackhub.auth.scopes import ALL_PROGRAMS, parse_program_scope
from trackhub.errors import Conflict, InvalidInput, NotFound
from trackhub.storage.items import utc_now
from trackhub.tenancy import repository
from trackhub.tenancy.models import Account, ApiKey, Program, Status, Subscription, hub_programs_of


def active_account(account_id: str) -> Account:
    """The account, for provisioning under it: 404 when unknown, 409 when revoked."""
    account = repository.get_account(account_id)
    if account is None:
        raise NotFound(f"account {account_id!r} not found")
    if not account.active:
        raise Conflict(f"account {account_id!r} is revoked")
    return account


def _active_program(program_id: str, field: str) -> Program:
    program = repository.get_program(program_id)
    if program is None or not program.active:
        raise NotFound(f"{field}: program {program_id!r} not found")
    return program


# ------------------------------------------------------------------ accounts
def create_account(name: str, account_id: str | None) -> Account:
    account_id = account_id or f"a{secrets.token_hex(4)}"
    now = utc_now()
    hub = hub_programs_of(account_id)
    account = Account(
        account_id=account_id, name=name, status=Status.ACTIVE, created_at=now, hub_programs=hub
    )
    hub_programs = [
        Program(
            program_id=pid,
            account_id=account_id,
            name=f"{name} - {part}",
            status=Status.ACTIVE,
            hub_owned=True,
            created_at=now,
        )
        for part, pid in (("web tracking", hub.webtracking), ("collector", hub.collector))
    ]
    repository.create_account(account, hub_programs)
    return account


def list_accounts() -> list[Account]:
    return repository.list_accounts()


def revoke_account(account_id: str) -> Account:
    """Revoke the account and every active key of it together (one transaction)."""
    account = existing_account(account_id)
    return repository.revoke_account(account, repository.list_keys(account_id))


# ------------------------------------------------------------------ keys
def create_key(account_id: str, scopes: list[str], description: str) -> tuple[ApiKey, str]:
    """Return the stored key and its secret; the secret exists nowhere else afterwards."""
    active_account(account_id)
    for scope in scopes:
        parsed = parse_program_scope(scope)
        if parsed and parsed[1] != ALL_PROGRAMS:
            program = _active_program(parsed[1], "scopes")
            if program.account_id != account_id:
                raise InvalidInput(f"scopes: program {parsed[1]!r} belongs to another account")
    secret = new_api_key()
    key = ApiKey(
        user_id=new_user_id(),
        account_id=account_id,
        scopes=tuple(dict.fromkeys(scopes)),
        description=description,
        status=Status.ACTIVE,
        created_at=utc_now(),
        secret_hash=hash_secret(secret),
    )
    repository.create_key(key)
    return key, secret


def list_keys(account_id: str) -> list[ApiKey]:
    existing_account(account_id)
    return repository.list_keys(account_id)


def revoke_key(account_id: str, user_id: str) -> ApiKey:
    return repository.revoke_key(account_id, user_id)


def existing_account(account_id: str) -> Account:
    """The account, revoked or not (listings still show what a revoked account held): 404 when unknown."""
    account = repository.get_account(account_id)
    if account is None:
        raise NotFound(f"account {account_id!r} not found")
    return account


# ------------------------------------------------------------------ programs
def create_program(account_id: str, program_id: str, name: str) -> Program:
    active_account(account_id)
    program = Program(
        program_id=program_id,
        account_id=account_id,
        name=name,
        status=Status.ACTIVE,
        hub_owned=False,
        created_at=utc_now(),
    )
    repository.create_program(program)
    return program


def list_programs(account_id: str) -> list[Program]:
    existing_account(account_id)
    return repository.list_programs(account_id)


def revoke_program(account_id: str, program_id: str) -> Program:
    """A revoked program can no longer be published to or read; its subscriptions go with it
    (in the same transaction)."""
    return repository.revoke_program(account_id, program_id)


# ------------------------------------------------------------------ subscriptions
def create_subscription(program_id: str, publisher_program_id: str) -> Subscription:
    if program_id == publisher_program_id:
        raise InvalidInput("publisherProgramId: a program cannot subscribe to itself")
    subscriber = _active_program(program_id, "programId")
    _active_program(publisher_program_id, "publisherProgramId")
    sub = Subscription(
        program_id=program_id,
        publisher_program_id=publisher_program_id,
        subscriber_account_id=subscriber.account_id,
        created_at=utc_now(),
    )
    repository.create_subscription(sub)
    return sub


def list_subscriptions(program_id: str) -> list[Subscription]:
    return repository.subscriptions_of(program_id)


def revoke_subscription(program_id: str, publisher_program_id: str) -> None:
    repository.delete_subscription(program_id, publisher_program_id)
