"""Errors the event store raises beyond the hub's generic ones."""

from __future__ import annotations

from trackhub.errors import Conflict


class ExtraItemRejected(Conflict):
    """A caller-supplied transaction item's condition failed, so neither it nor the event was written.

    `indexes` are positions in the `extra_transact_items` the caller passed to `service.publish`.
    Callers (web tracking, collector) catch it and report their own state conflict; if it escapes
    to the HTTP edge it renders as a 409.
    """

    def __init__(self, indexes: list[int]) -> None:
        super().__init__("a concurrent change prevented this update; retry")
        self.indexes = indexes
