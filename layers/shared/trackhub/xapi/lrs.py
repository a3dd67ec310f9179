"""The LRS write side: PUT and POST /xapi/statements (validation, conflicts, voiding, events).

All or nothing: every statement of a request is validated and checked for conflicts before
anything is written, then written with TransactWriteItems whose conditions (`attribute_not_exists`)
make a concurrent writer of the same id fail the whole transaction instead of being overwritten.
A `completed` statement commits together with its hub event (events.service.publish). A request
needing more than one transaction is a *batch*: its statement items carry the batch id (`B`) and
stay invisible to every read until the last transaction creates the batch record, together with
the batch's completion events and voided targets (docs/xapi-lrs.md, "Batches").
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from trackhub.events.errors import ExtraItemRejected
from trackhub.observability import logger, metrics
from trackhub.storage.items import iso, utc_now
from trackhub.tenancy import repository as tenancy
from trackhub.xapi import attachments, completion, repository, validation
from trackhub.xapi.compare import same_statement
from trackhub.xapi.models import (
    COMPLETED_VERB,
    UUID_RE,
    agent_ifi,
    filter_tags,
    is_voiding,
    statement_ref,
    verb_id,
)
from trackhub.xapi.records import StoredStatement
from trackhub.xapi.service import new_statement

if TYPE_CHECKING:
    from trackhub.events.models import NewEvent

_MAX_ATTEMPTS = 3  # transaction rounds when a concurrent writer takes an id between check and write


@dataclass
class _Plan:
    """What one request writes: new statements (with their filter tags) and statements to void."""

    new: list[StoredStatement] = field(default_factory=list)
    tags: dict[str, set[str]] = field(default_factory=dict)
    void: dict[str, dict[str, Any]] = field(default_factory=dict)  # target id -> its stored item
    voided_in_batch: set[str] = field(default_factory=set)
    # id -> the uncommitted batch (a failed or concurrent request) whose item the new one overwrites
    orphans: dict[str, str] = field(default_factory=dict)


class _Aborted(Exception):
    """A concurrent writer took over this batch's items (and aborted it) before its record committed."""


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
    sent = {b.statement_id: s for b, s in zip(batch, statements, strict=True)}
    saved = False
    for _ in range(_MAX_ATTEMPTS):
        plan = _plan(account, batch, sent)
        if not plan.new:
            break
        layout = _layout(account, plan)  # refuses what cannot commit atomically before any write
        if parts and not saved:
            attachments.save(account, parts)
            saved = True
        try:
            _commit(account, plan, layout)
            break
        except _Aborted:
            logger.info("a concurrent request took over this batch; planning it again")
    else:
        raise Conflict("statements are being written concurrently under the same ids; retry")
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
    found = repository.get_items(account, {*(s.statement_id for s in batch), *refs})
    hidden = repository.uncommitted(account, found.values())
    # an item of an uncommitted batch is absent: neither a conflict nor a voiding target
    stored = {i: item for i, item in found.items() if not repository.in_batch(item, hidden)}
    in_batch = {s.statement_id: s for s in batch}
    plan = _Plan()
    plan.orphans = {
        i: str(item[repository.BATCH_ATTRIBUTE])
        for i, item in found.items()
        if i in in_batch and repository.in_batch(item, hidden)
    }
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


# The marker transaction: the batch record, 2 items per completion event + the feed counter, and one
# update per voided target; DynamoDB's limit of 100 items per transaction bounds it.
_MARKER_ITEMS = 1


class _Member(NamedTuple):
    """One statement of a transaction and what it writes."""

    item: StoredStatement
    entries: list[dict[str, Any]]  # its Put (+ its voided target's update on the one-transaction path)
    posted: set[str] | None  # its posting tags (None: voided on arrival, no postings)
    orphan: str | None  # the uncommitted batch whose item under this id it overwrites
    voids: list[dict[str, Any]]  # batch path: its voided target's update, committed with the record


def _member(
    account: str, plan: _Plan, item: StoredStatement, orphan: str | None, batch: str | None = None
) -> _Member:
    tags = plan.tags[item.statement_id]
    entry = repository.statement_put(item, tags, new_only=True, batch=batch, replaces=orphan)
    posted: set[str] | None = tags
    if item.statement_id in plan.voided_in_batch:  # voided on arrival: readable by key only
        entry["Put"]["Item"].pop("AcctPK")
        entry["Put"]["Item"]["voided"] = {"BOOL": True}
        posted = None
    target = statement_ref(item.statement)
    voids = []
    if is_voiding(item.statement) and target in plan.void:
        voids = repository.void_entries(account, plan.void[target])
    if batch is None:
        return _Member(item, [entry, *voids], posted, orphan, [])
    return _Member(item, [entry], posted, orphan, voids)


def _orphans(members: Sequence[_Member]) -> list[str]:
    return sorted({m.orphan for m in members if m.orphan})


def _size(members: Sequence[_Member]) -> int:
    """Items a transaction of these statements writes: their entries, one posting per distinct
    posting tag, one abort record per batch whose items they overwrite."""
    tags = {tag for m in members for tag in m.posted or () if repository.is_posting(tag)}
    return sum(len(m.entries) for m in members) + len(tags) + len(_orphans(members))


def _transaction(account: str, members: Sequence[_Member], batch: str | None = None) -> list[dict[str, Any]]:
    """The statements' entries, then their write group's postings, then the abort records."""
    posted = [(m.item, m.posted) for m in members if m.posted is not None]
    aborts = [repository.batch_abort_put(account, orphan) for orphan in _orphans(members)]
    return [e for m in members for e in m.entries] + repository.posting_puts(posted, batch) + aborts


def _chunks(members: Sequence[_Member]) -> list[list[_Member]]:
    """Whole statements with their postings, in transactions of up to 100 items."""
    chunks: list[list[_Member]] = []
    chunk: list[_Member] = []
    for member in members:
        grown = [*chunk, member]
        if chunk and _size(grown) > repository.TRANSACTION_ITEMS:
            chunks.append(chunk)
            grown = [member]
        chunk = grown
    if chunk:
        chunks.append(chunk)
    return chunks


class _Layout(NamedTuple):
    batch: str | None  # None: the request is one transaction (no batch record, no `B`)
    chunks: list[list[_Member]]
    completed: list[_Member]  # one-transaction path: the completed statement written with its event


def _layout(account: str, plan: _Plan) -> _Layout:
    """One transaction as before when the request fits one (plain statements, or one completed
    statement with its event); else a batch with a fresh id. 413 when the batch's completion events
    and voided targets cannot commit with its record in one transaction."""
    plain = [s for s in plan.new if verb_id(s.statement) != COMPLETED_VERB]
    completed = [s for s in plan.new if verb_id(s.statement) == COMPLETED_VERB]
    chunks = _chunks([_member(account, plan, s, plan.orphans.get(s.statement_id)) for s in plain])
    if len(chunks) + len(completed) <= 1:
        return _Layout(
            None, chunks, [_member(account, plan, s, plan.orphans.get(s.statement_id)) for s in completed]
        )
    batch = uuid.uuid4().hex
    members = [_member(account, plan, s, plan.orphans.get(s.statement_id), batch) for s in plan.new]
    needed = _MARKER_ITEMS + sum(len(m.voids) for m in members) + (2 * len(completed) + 1 if completed else 0)
    if needed > repository.TRANSACTION_ITEMS:
        problem = (
            f"a batch larger than one transaction commits with one more of at most "
            f"{repository.TRANSACTION_ITEMS} items: its record, 2 per completed statement (+1) and 1 per "
            f"voided statement; this one needs {needed}: send it in smaller batches"
        )
        raise PayloadTooLarge(f"statements: {problem}", details=[{"field": "statements", "problem": problem}])
    return _Layout(batch, _chunks(members), [])


def _commit(account: str, plan: _Plan, layout: _Layout) -> None:
    if layout.batch is None:  # the request's one transaction, exactly as before batches existed
        for chunk in layout.chunks:
            _transact(account, plan, chunk)
        if layout.completed:
            program = _collector_program(account)
            for member in layout.completed:
                _publish(account, plan, program, member)
        return
    written: list[_Member] = []
    for chunk in layout.chunks:
        written += _transact(account, plan, chunk, layout.batch)
    _commit_batch(account, layout.batch, written)


def _transact(account: str, plan: _Plan, chunk: list[_Member], batch: str | None = None) -> list[_Member]:
    """One transaction; when another writer took one of its ids meanwhile: 409 if it stored a
    different statement, else the transaction again without the statements already there (and
    overwriting what an uncommitted batch holds). The statements this request wrote."""
    ours: list[_Member] = []
    for _ in range(_MAX_ATTEMPTS):
        try:
            repository.transact(_transaction(account, chunk, batch))
            return ours + chunk
        except repository.WriteRejected:
            chunk, mine = _reread(account, plan, chunk, batch)
            ours += mine
            if not chunk:
                return ours
    raise Conflict("statements are being written concurrently under the same ids; retry")


def _reread(
    account: str, plan: _Plan, chunk: Sequence[_Member], batch: str | None
) -> tuple[list[_Member], list[_Member]]:
    """After a failed condition: 409 when a taken id holds a different statement; the members still
    to write, each conditioned on what its id holds now, and those this batch holds already."""
    stored = repository.get_items(account, (m.item.statement_id for m in chunk))
    hidden = repository.uncommitted(account, stored.values())
    kept: list[_Member] = []
    ours: list[_Member] = []
    for member in chunk:
        existing = stored.get(member.item.statement_id)
        if existing is None or repository.in_batch(existing, hidden):
            owner = str(existing[repository.BATCH_ATTRIBUTE]) if existing else None
            if batch is not None and owner == batch:
                ours.append(member)  # written by an attempt of this transaction whose answer was lost
                continue
            kept.append(_member(account, plan, member.item, owner, batch))
            continue
        # the timestamp this LRS filled in (== stored) is not the client's
        item = member.item
        sent = {k: v for k, v in item.statement.items() if not (k == "timestamp" and v == iso(item.stored))}
        if not same_statement(json.loads(existing["statement"]), sent):
            raise Conflict(f"statement {item.statement_id} is stored with different content")
    return kept, ours


def _commit_batch(account: str, batch: str, written: Sequence[_Member]) -> None:
    """The last transaction: the batch record with its completion events and voided targets. A
    completion event that exists already (the collector stored the same statement id) is left out."""
    record = [repository.batch_commit_put(account, batch), *(e for m in written for e in m.voids)]
    completed = [m.item for m in written if verb_id(m.item.statement) == COMPLETED_VERB]
    pending = [completed_event(_collector_program(account), s) for s in completed] if completed else []
    try:
        completion.commit_with_events(record, pending, attempts=_MAX_ATTEMPTS)
    except (repository.WriteRejected, ExtraItemRejected):
        raise _Aborted from None


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


def _publish(account: str, plan: _Plan, program: str, member: _Member) -> None:
    from trackhub.events import service as events  # a write with a completion only (completion.py)

    for _ in range(_MAX_ATTEMPTS):
        try:
            events.publish(
                completed_event(program, member.item), extra_transact_items=_transaction(account, [member])
            )
            return
        except ExtraItemRejected:
            rest, _ours = _reread(account, plan, [member], None)
            if not rest:
                return  # the same statement was written meanwhile: nothing to do
            member = rest[0]
        except Conflict:
            # the event exists (a collector re-send under this id): store the statement on its own
            logger.info(
                "completion event exists; storing the statement alone", extra={"id": member.item.statement_id}
            )
            _transact(account, plan, [member])
            return
    raise Conflict("statements are being written concurrently under the same ids; retry")
