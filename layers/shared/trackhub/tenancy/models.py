"""Tenancy domain records (what the services work with; items and API bodies are mapped explicitly).

Immutable NamedTuples, not pydantic models: they are built from the hub's own items and validated
request bodies, never from raw input, and every authenticated function imports them at init (a
NamedTuple class costs ~0.06 ms to create, a deferred pydantic model ~0.3 ms; docs/performance.md)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class Status(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class HubPrograms(NamedTuple):
    """Programs under which the hub publishes its own events for an account."""

    webtracking: str
    collector: str


def hub_programs_of(account_id: str) -> HubPrograms:
    """The program ids under which the hub publishes an account's own events (one per hub part)."""
    return HubPrograms(webtracking=f"{account_id}-webtracking", collector=f"{account_id}-collector")


class Account(NamedTuple):
    account_id: str
    name: str
    status: Status
    created_at: datetime
    hub_programs: HubPrograms

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE


class ApiKey(NamedTuple):
    user_id: str
    account_id: str
    scopes: tuple[str, ...]
    description: str
    status: Status
    created_at: datetime
    secret_hash: str

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE


class Program(NamedTuple):
    program_id: str
    account_id: str
    name: str
    status: Status
    hub_owned: bool
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE


class Subscription(NamedTuple):
    """`program_id` (the subscriber) reads the events of `publisher_program_id`."""

    program_id: str
    publisher_program_id: str
    subscriber_account_id: str
    created_at: datetime
