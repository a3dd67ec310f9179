"""The LRS write side: PUT and POST /xapi/statements (validation, conflicts, voiding, events).

All or nothing: every statement of a request is validated and checked for conflicts before
anything is written, then written with TransactWriteItems whose conditions (`attribute_not_exists`)
make a concurrent writer of the same id fail the whole transaction instead of being overwritten.
A `completed` statement commits together with its hub event (events.service.publish). See
docs/xapi-lrs.md for what happens above the transaction limit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import Conflict, InvalidInput, NotFound
from trackhub.events import service as events
from trackhub.events.errors import ExtraItemRejected
from trackhub.events.models import NewEvent
from trackhub.observability import logger, metrics
from trackhub.storage.items import iso, utc_now
from trackhub.tenancy import repository as tenancy
from trackhub.xapi import attachments, completion, repository, validation
from trackhub.xapi.compare import same_statement
from trackhub.xapi.models import (
    COMPLETED_VERB,
    UUID_RE,
    StoredStatement,
    agent_ifi,
    filter_tags,
    is_voiding,
    statement_ref,
    verb_id,
)
from trackhub.xapi.service import new_statement

_MAX_ATTEMPTS = 3  # transaction rounds when a concurrent writer takes an id between check and write


@dataclass
class _Plan:
    """What one request writes: new statements (with their filter tags) and statements to void."""

    new: list[StoredStatement] = field(default_factory=list)
    tags: dict[str, set[str]] = field(default_factory=dict)
    void: dict[str, dict[str, Any]] = field(default_factory=dict)  # target id -> its stored item
    voided_in_batch: set[str] = field(default_factory=set)


def authority(principal: Principal, home_page: str) -> dict[str, Any]:
    """Who vouches for the statements: the key that sent them (xAPI: set by the LRS)."""
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": principal.user_id}}


def _bad(path: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{path}: {problem}", details=[{"field": path, "problem": problem}])


def put_as(
    principal: Principal,
    params: Mapping[str, str],
    body: object,
    parts: Mapping[str, bytes],
    *,
    home_page: str,
) -> None:
    """PUT /xapi/statements?statementId=: 204 when stored or already stored identically."""
    require_part(principal, Part.COLLECTOR)
    unknown = sorted(set(params) - {"statementId"})
    if unknown:
        raise _bad(unknown[0], "is not a parameter of PUT /xapi/statements")
    statement_id = params.get("statementId")
    if not statement_id:
        raise _bad("statementId", "query parameter required for PUT")
    if not UUID_RE.match(statement_id):
        raise _bad("statementId", "must be a UUID")
    validation.validate_statement(body)
    assert isinstance(body, dict)  # validate_statement accepts objects only
    own = body.get("id")
    if own is not None and str(own).lower() != statement_id.lower():
        raise _bad("statement.id", "differs from the statementId parameter")
    _write(principal, [{**body, "id": statement_id.lower()}], parts, home_page=home_page)


def post_as(
    principal: Principal,
    params: Mapping[str, str],
    body: object,
    parts: Mapping[str, bytes],
    *,
    home_page: str,
) -> list[str]:
    """POST /xapi/statements: one statement or an array; the ids in order."""
    require_part(principal, Part.COLLECTOR)
    if params:
        raise _bad(sorted(params)[0], "is not a parameter of POST /xapi/statements")
    statements = validation.validate_statements(body)
    return _write(principal, statements, parts, home_page=home_page)


def _write(
    principal: Principal, statements: list[dict[str, Any]], parts: Mapping[str, bytes], *, home_page: str
) -> list[str]:
    attachments.check(statements, parts)
    account, now = principal.account_id, utc_now()
    vouch = authority(principal, home_page)
    statements = [normalized(s) for s in statements]
    # xAPI: the LRS sets `timestamp` to `stored` when the statement has none
    batch = [
        new_statement(
            account,
            {"timestamp": iso(now), **s, "id": str(s.get("id") or uuid.uuid4()).lower()},
            stored=now,
            authority=vouch,
            order=i,
        )
        for i, s in enumerate(statements)
    ]
    ids = [s.statement_id for s in batch]
    if len(set(ids)) != len(ids):
        dup = next(i for i, s in enumerate(ids) if ids.count(s) > 1)
        raise _bad(f"statements[{dup}].id", "the same id twice in one request")
    plan = _plan(account, batch, {b.statement_id: s for b, s in zip(batch, statements, strict=True)})
    if plan.new:
        if parts:
            attachments.save(account, parts)
        _commit(account, plan)
    metrics.add_metric(name="XapiStatementsStored", unit=MetricUnit.Count, value=len(plan.new))
    return ids


def normalized(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement as the LRS stores it: a single context activity becomes a one-item array
    (xAPI Data 2.4.6.2: the LRS returns arrays), also in a SubStatement."""
    out = dict(statement)
    context = out.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        activities = {
            kind: [value] if isinstance(value, dict) else value
            for kind, value in context["contextActivities"].items()
        }
        out["context"] = {**context, "contextActivities": activities}
    obj = out.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        out["object"] = normalized(obj)
    return out


def _plan(account: str, batch: list[StoredStatement], sent: Mapping[str, dict[str, Any]]) -> _Plan:
    """Conflicts (409), voiding rules (400) and the filter tags each new statement is indexed under."""
    refs = {r for r in (statement_ref(s.statement) for s in batch) if r}
    stored = repository.get_items(account, {*(s.statement_id for s in batch), *refs})
    in_batch = {s.statement_id: s for s in batch}
    plan = _Plan()
    for index, item in enumerate(batch):
        existing = stored.get(item.statement_id)
        if existing is None:
            plan.new.append(item)
        elif not same_statement(json.loads(existing["statement"]), sent[item.statement_id]):
            raise Conflict(f"statements[{index}].id: {item.statement_id} is stored with different content")
    for index, item in enumerate(plan.new):
        tags = filter_tags(item.statement)
        target_id = statement_ref(item.statement)
        if target_id:
            tags |= _target_tags(target_id, stored, in_batch)
        if is_voiding(item.statement) and target_id:
            _check_voidable(index, target_id, stored, in_batch)
            if target_id in in_batch:
                plan.voided_in_batch.add(target_id)
            elif target_id in stored and not stored[target_id].get("voided"):
                plan.void[target_id] = stored[target_id]
        plan.tags[item.statement_id] = tags
    return plan


def _target_tags(
    target_id: str, stored: Mapping[str, dict[str, Any]], in_batch: Mapping[str, StoredStatement]
) -> set[str]:
    """A statement referring to another also answers the filters its target answers (xAPI: filter
    conditions for StatementRefs)."""
    if target_id in in_batch:
        return filter_tags(in_batch[target_id].statement)
    return {str(t) for t in (stored.get(target_id) or {}).get("F") or ()}


def _check_voidable(
    index: int, target_id: str, stored: Mapping[str, dict[str, Any]], in_batch: Mapping[str, StoredStatement]
) -> None:
    if target_id in in_batch:
        target: dict[str, Any] | None = in_batch[target_id].statement
    else:
        item = stored.get(target_id)
        target = json.loads(item["statement"]) if item else None
    if target is not None and is_voiding(target):
        raise _bad(f"statements[{index}].object.id", "a voiding statement cannot be voided")


# one statement of a transaction: the statement, its own entries, its posting tags (None: no postings)
_Member = tuple[StoredStatement, list[dict[str, Any]], set[str] | None]


def _member(account: str, plan: _Plan, item: StoredStatement) -> _Member:
    tags = plan.tags[item.statement_id]
    entry = repository.statement_put(item, tags, new_only=True)
    posted: set[str] | None = tags
    if item.statement_id in plan.voided_in_batch:  # voided on arrival: readable by key only
        entry["Put"]["Item"].pop("AcctPK")
        entry["Put"]["Item"]["voided"] = {"BOOL": True}
        posted = None
    entries = [entry]
    target = statement_ref(item.statement)
    if is_voiding(item.statement) and target in plan.void:
        entries += repository.void_entries(account, plan.void[target])
    return item, entries, posted


def _posting_count(members: Sequence[_Member]) -> int:
    """Posting items a transaction of these statements writes (one per distinct posting tag)."""
    return len({tag for _item, _entries, tags in members for tag in tags or () if repository.is_posting(tag)})


def _transaction(members: Sequence[_Member]) -> list[dict[str, Any]]:
    """The statements' entries, then their write group's postings."""
    posted = [(item, tags) for item, _entries, tags in members if tags is not None]
    return [e for _item, entries, _tags in members for e in entries] + repository.posting_puts(posted)


def _commit(account: str, plan: _Plan) -> None:
    """Plain statements in transactions of up to 100 items (whole statements with their postings),
    then each completed statement with its event."""
    completed = [s for s in plan.new if verb_id(s.statement) == COMPLETED_VERB]
    chunk: list[_Member] = []
    for item in (s for s in plan.new if verb_id(s.statement) != COMPLETED_VERB):
        member = _member(account, plan, item)
        grown = [*chunk, member]
        if chunk and sum(len(m[1]) for m in grown) + _posting_count(grown) > repository.TRANSACTION_ITEMS:
            _transact(account, chunk)
            grown = [member]
        chunk = grown
    if chunk:
        _transact(account, chunk)
    if completed:
        program = _collector_program(account)
        for item in completed:
            _publish(account, program, _member(account, plan, item))


def _transact(account: str, chunk: list[_Member]) -> None:
    """One transaction; when another writer took one of its ids meanwhile: 409 if it stored a
    different statement, else the transaction again without the statements already there."""
    for _ in range(_MAX_ATTEMPTS):
        try:
            repository.transact(_transaction(chunk))
            return
        except repository.WriteRejected:
            _recheck(account, [item for item, _entries, _tags in chunk])
            taken = repository.get_items(account, (item.statement_id for item, _entries, _tags in chunk))
            chunk = [member for member in chunk if member[0].statement_id not in taken]
            if not chunk:
                return
    raise Conflict("statements are being written concurrently under the same ids; retry")


def _recheck(account: str, items: Sequence[StoredStatement]) -> None:
    """After a failed condition: 409 when a taken id holds a different statement."""
    stored = repository.get_items(account, (s.statement_id for s in items))
    for item in items:
        existing = stored.get(item.statement_id)
        # the timestamp this LRS filled in (== stored) is not the client's
        sent = {k: v for k, v in item.statement.items() if not (k == "timestamp" and v == iso(item.stored))}
        if existing is not None and not same_statement(json.loads(existing["statement"]), sent):
            raise Conflict(f"statement {item.statement_id} is stored with different content")


def _collector_program(account: str) -> str:
    found = tenancy.get_account(account)
    if found is None:
        raise NotFound(f"account {account!r} not found")
    return found.hub_programs.collector


def _participant(statement: dict[str, Any]) -> str:
    ifi = agent_ifi(statement.get("actor")) or "unidentified"
    return ifi if len(ifi) <= 200 else "actor:" + hashlib.sha256(ifi.encode("utf-8")).hexdigest()


def completed_event(program: str, item: StoredStatement) -> NewEvent:
    return completion.completed_event(
        program, item, participant=_participant(item.statement), details={"source": "xapi"}
    )


def _publish(account: str, program: str, member: _Member) -> None:
    item = member[0]
    try:
        events.publish(completed_event(program, item), extra_transact_items=_transaction([member]))
    except ExtraItemRejected:
        _recheck(account, [item])  # the same statement was written meanwhile: nothing to do
    except Conflict:
        # the event exists (a collector re-send under this id): store the statement on its own
        logger.info("completion event exists; storing the statement alone", extra={"id": item.statement_id})
        _transact(account, [member])
