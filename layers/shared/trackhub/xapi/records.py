"""The statement store's records: a stored statement, the read query and a page of results.

A stored statement is a frozen dataclass (it caches its JSON text and filter tags); the query and the
page are NamedTuples (a `more` page is the query with another start key). Only the statement routes
and the LRS's lookups load them, not the document routes (docs/performance.md).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from trackhub.xapi.models import DEFAULT_LIMIT, filter_tags


@dataclass(frozen=True)
class StoredStatement:
    account_id: str
    statement_id: str
    statement: dict[str, Any]  # complete: id, stored, authority and version are inside
    stored: datetime
    context: dict[str, Any] | None = None  # the collector session it came from, if any
    order: int = 0  # position in its batch: statements stored at the same instant keep their order

    # Computed once per statement: a write path measures the item before writing it (the collector's
    # size limit) and then builds it; the statement dict is never changed after construction.
    @functools.cached_property
    def text(self) -> str:
        """The statement as stored: compact JSON."""
        return json.dumps(self.statement, separators=(",", ":"), ensure_ascii=False)

    @functools.cached_property
    def tags(self) -> frozenset[str]:
        """The statement's own filter tags (`filter_tags`)."""
        return frozenset(filter_tags(self.statement))


class StatementQuery(NamedTuple):
    """The filters of GET /xapi/statements, all ANDed; hashed index values, see `index_value`."""

    account_id: str
    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    since: str | None = None  # ISO ms Z, exclusive
    until: str | None = None  # ISO ms Z, inclusive
    limit: int = DEFAULT_LIMIT
    ascending: bool = False
    related_agents: bool = False
    related_activities: bool = False
    start_key: dict[str, str] | None = None  # where a `more` page starts


class StatementPage(NamedTuple):
    statements: tuple[dict[str, Any], ...]
    next_key: dict[str, str] | None  # where the next page starts; None at the end
