"""The statement store's posting layout (xapi.repository): one posting item per filter value and
write group, filtered pages read across and inside posting items, positions that stay valid while
writers add groups, voided statements skipped, and the write counts the layout promises."""

from __future__ import annotations

import base64
import json
import urllib.parse
import uuid
from typing import Any

import boto3
import pytest
from test_lrs import ALICE, VERBS, Lrs, ids, stmt, voiding

from trackhub.config import reset_settings
from trackhub.tenancy import service as tenancy
from trackhub.xapi import repository

BOB = {"mbox": "mailto:bob@example.com"}


@pytest.fixture
def lrs(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Lrs:
    """One account and a collector key (as test_lrs's fixture)."""
    monkeypatch.setenv("STATEMENTS_WRITE_BACKOFF_MS", "0")
    reset_settings()
    account = tenancy.create_account("Acme Learning", "acme")
    key, secret = tenancy.create_key("acme", ["collector"], "lrs client")
    return Lrs(account.account_id, (key.user_id, secret), account.hub_programs.collector)


def _items(table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    client = boto3.client("dynamodb", region_name="us-east-1")
    while True:
        page = client.scan(**kwargs)  # a test's view of the whole table, not a documented query
        found += page["Items"]
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _more(reply: Any) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlparse(reply.json["more"]).query)["more"][0]


def _read_all(lrs: Lrs, first: Any, between: Any = None) -> list[str]:
    page, seen = first, ids(first)
    while page.json["more"]:
        if between is not None:
            between()
        page = lrs.get(more=_more(page))
        assert page.status == 200, page.body
        seen += ids(page)
    return seen


def test_a_batch_writes_one_posting_per_filter_value_not_per_statement(
    lrs: Lrs, hub_tables: dict[str, str]
) -> None:
    # Given an empty statements table
    table = hub_tables["StatementsTable"]
    # When one POST stores 10 statements of one actor, with 2 verbs and 3 activities
    batch = [stmt(verb=("experienced", "attempted")[i % 2], activity=f"a{i % 3}") for i in range(10)]
    assert lrs.post(batch).status == 200
    # Then the table holds the 10 statements and 1 + 1 + 3 + 2 postings (actor, authority,
    # activities, verbs), each listing its statements in order
    items = _items(table)
    statements = [i for i in items if i["SK"]["S"] == "STMT"]
    postings = [i for i in items if i["SK"]["S"].startswith("G#")]
    assert len(statements) == 10
    assert len(postings) == 7
    verb_postings = [p for p in postings if p["SK"]["S"].startswith("G#verb#")]
    assert sorted(len(p["I"]["S"].split(",")) for p in verb_postings) == [5, 5]


@pytest.mark.parametrize("ascending", [False, True], ids=["newest-first", "ascending"])
def test_filtered_pages_cross_posting_items_and_stay_valid_while_writers_add_groups(
    lrs: Lrs, ascending: bool
) -> None:
    # Given three POSTs (three write groups) of 4 statements each, half of them by Bob
    written: list[str] = []
    for group in range(3):
        batch = [
            stmt(activity=f"g{group}", actor=BOB if i % 2 else ALICE, id=str(uuid.uuid4())) for i in range(4)
        ]
        written += lrs.post(batch).json
    bobs = [sid for index, sid in enumerate(written) if index % 2]
    # When Bob's statements are read 3 per page (positions inside and across postings) while a
    # writer adds a group of Bob's statements before each next page
    first = lrs.get(agent='{"mbox": "mailto:bob@example.com"}', limit="3", ascending=str(ascending).lower())

    def writer() -> None:
        lrs.post([stmt(activity="late", actor=BOB) for _ in range(2)])

    seen = _read_all(lrs, first, writer)
    # Then newest-first pages hold exactly Bob's statements stored before the first page, each once;
    # ascending pages hold them first, in order, and then the late ones
    if ascending:
        assert seen[: len(bobs)] == bobs
        assert len(seen) == len(set(seen))
    else:
        assert seen == list(reversed(bobs))


def test_a_voided_statement_leaves_filtered_pages_but_its_group_stays(lrs: Lrs) -> None:
    # Given one group of three statements and the middle one voided
    first, middle, last = lrs.post([stmt(activity="v") for _ in range(3)]).json
    (voider,) = lrs.post(voiding(middle)).json
    # When the activity's statements are read one per page
    seen = _read_all(lrs, lrs.get(activity="http://example.com/activities/v", limit="1"))
    # Then the voided one is skipped and the others are read, newest first (the voiding statement
    # answers its target's filters: xAPI's filter conditions for StatementRefs)
    assert seen == [voider, last, first]
    # And it is still readable as voided
    assert lrs.get(voidedStatementId=middle).status == 200


def test_combined_filters_check_each_statement_of_a_group(lrs: Lrs) -> None:
    # Given one group mixing verbs and activities
    batch = [stmt(verb=v, activity=a) for v in ("experienced", "attempted") for a in ("x", "y")]
    written = lrs.post(batch).json
    # When filtered on a verb and an activity together
    reply = lrs.get(verb=VERBS + "attempted", activity="http://example.com/activities/y")
    # Then only the statement answering both is returned, with no `more`
    assert ids(reply) == [written[3]]
    assert reply.json["more"] == ""


def test_a_page_ending_on_the_last_statement_has_no_more(lrs: Lrs) -> None:
    # Given two statements of one verb in one group
    lrs.post([stmt(verb="attempted"), stmt(verb="attempted")])
    # When a page of exactly two is read
    reply = lrs.get(verb=VERBS + "attempted", limit="2")
    # Then it holds both and says there is nothing more
    assert len(ids(reply)) == 2 and reply.json["more"] == ""


def test_a_more_token_with_a_tampered_position_is_400(lrs: Lrs) -> None:
    # Given a filtered page with a `more` position inside a posting
    lrs.post([stmt(verb="attempted") for _ in range(3)])
    page = lrs.get(verb=VERBS + "attempted", limit="1")
    token = _more(page)
    # When its position is changed to something the LRS never issues
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for bad in ("x", "-1", str(repository.GROUP_SIZE + 1)):
        data["k"]["pos"] = bad
        forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        # Then the request is a 400 naming `more`
        reply = lrs.get(more=forged)
        assert reply.status == 400 and reply.json["message"].startswith("more"), reply.body


def test_write_groups_hold_at_most_group_size_statements_of_one_instant() -> None:
    # Given statements of two instants, more than a group of the first
    from datetime import UTC, datetime, timedelta

    from trackhub.xapi.records import StoredStatement

    now = datetime(2026, 11, 23, tzinfo=UTC)

    def one(at: datetime, order: int) -> StoredStatement:
        return StoredStatement("acct", str(uuid.uuid4()), {"id": "x"}, at, None, order)

    batch = [one(now, i) for i in range(repository.GROUP_SIZE + 1)] + [one(now + timedelta(seconds=1), 0)]
    # When they are grouped
    groups = repository.groups(batch)
    # Then a group never spans two instants nor exceeds GROUP_SIZE
    assert [len(g) for g in groups] == [repository.GROUP_SIZE, 1, 1]
