"""Who is calling, and what their key allows. Pure logic: no I/O, so every rule has a unit test."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from trackhub.auth.scopes import ALL_PROGRAMS, EventRight, Part, program_scope

if TYPE_CHECKING:  # annotations only: public handlers (health, collector) never load tenancy models
    from trackhub.tenancy.models import Program, Subscription


class Principal(NamedTuple):
    user_id: str
    account_id: str
    scopes: frozenset[str]

    def has_part(self, part: Part) -> bool:
        return part.value in self.scopes

    def _holds(self, right: EventRight, program_id: str, account_id: str, hub_owned: bool) -> bool:
        if account_id != self.account_id:
            return False
        if program_scope(right, program_id) in self.scopes:
            return True
        # '*' covers the account's own programs; the hub's programs are published to only by the hub.
        wildcard = program_scope(right, ALL_PROGRAMS) in self.scopes
        return wildcard and (right is EventRight.READ or not hub_owned)

    def may_publish(self, program: Program) -> bool:
        return program.active and self._holds(
            EventRight.PUBLISH, program.program_id, program.account_id, program.hub_owned
        )

    def may_read(self, program: Program, subscriptions: Iterable[Subscription] = ()) -> bool:
        """Owner with read rights, or a key with read rights on a program subscribed to it."""
        if not program.active:
            return False
        if self._holds(EventRight.READ, program.program_id, program.account_id, program.hub_owned):
            return True
        return any(
            self._holds(EventRight.READ, sub.program_id, sub.subscriber_account_id, hub_owned=False)
            for sub in subscriptions
        )
