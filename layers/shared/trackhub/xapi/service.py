"""The statement store's rules: what the hub adds to a statement it stores, and the read query.

The collector (RAGE /track) stores through `new_statement` + `store`; the LRS will too, so a
statement a game sent is readable through GET /xapi/statements like any other.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import InvalidInput, NotFound
from trackhub.events.models import parse_utc
from trackhub.storage.items import iso
from trackhub.xapi import repository
from trackhub.xapi.models import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    STATEMENT_VERSION,
    UUID_RE,
    StatementPage,
    StatementQuery,
    StoredStatement,
    agent_ifi,
    index_value,
)

MAX_MORE_CHARS = 4096
_FILTERS = ("agent", "verb", "activity", "registration", "since", "until", "limit", "ascending")
_SINGLE_ALLOWED = {"statementId", "format", "attachments"}


# ------------------------------------------------------------------ writing
def new_statement(
    account_id: str,
    statement: dict[str, Any],
    *,
    stored: datetime,
    authority: dict[str, Any],
    context: dict[str, Any] | None = None,
    order: int = 0,
) -> StoredStatement:
    """The statement as the hub stores it: the client's UUID `id` when valid (else a new one), `stored`
    and `authority` set by the hub, `version` defaulted; the client's dict is not modified."""
    client_id = statement.get("id")
    statement_id = client_id.lower() if isinstance(client_id, str) and UUID_RE.match(client_id) else None
    statement_id = statement_id or str(uuid.uuid4())
    complete = {**statement, "id": statement_id, "stored": iso(stored), "authority": authority}
    complete.setdefault("version", STATEMENT_VERSION)
    return StoredStatement(
        account_id=account_id,
        statement_id=statement_id,
        statement=complete,
        stored=stored,
        context=context,
        order=order,
    )


def store(statements: Sequence[StoredStatement]) -> None:
    repository.put_many(statements)


# ------------------------------------------------------------------ reading
def _bad(parameter: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{parameter}: {problem}", details=[{"field": parameter, "problem": problem}])


def _iri(parameter: str, value: str) -> str:
    if not value or len(value) > 4096 or ":" not in value:
        raise _bad(parameter, "must be an IRI (e.g. http://adlnet.gov/expapi/verbs/completed)")
    return value


def _agent(value: str) -> str:
    try:
        agent = json.loads(value)
    except ValueError:
        raise _bad("agent", "must be a JSON Agent or Group object") from None
    ifi = agent_ifi(agent)
    if ifi is None:
        raise _bad(
            "agent", "must have an inverse functional identifier: mbox, mbox_sha1sum, openid or account"
        )
    return ifi


def _time(parameter: str, value: str, *, round_up: bool) -> str:
    try:
        return iso(parse_utc(value, round_up=round_up))
    except ValueError as exc:
        raise _bad(parameter, str(exc)) from None


def _bool(parameter: str, value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise _bad(parameter, "must be true or false")
    return value.lower() == "true"


def parse_query(account_id: str, params: Mapping[str, str]) -> StatementQuery:
    """The xAPI 1.0.3 query parameters; a value the hub cannot honour is a 400 naming it."""
    unknown = sorted(set(params) - {*_FILTERS, *_SINGLE_ALLOWED, "related_activities", "related_agents"})
    if unknown:
        raise _bad(unknown[0], "is not a parameter of GET /xapi/statements")
    for related in ("related_activities", "related_agents"):
        if related in params and _bool(related, params[related]):
            raise _bad(related, "true is not supported by this LRS; send false or omit it")
    fmt = params.get("format", "exact")
    if fmt not in ("exact", "canonical", "ids"):
        raise _bad("format", "must be exact, ids or canonical")
    limit = DEFAULT_LIMIT
    if "limit" in params:
        raw = params["limit"]
        if not raw.isdigit():
            raise _bad("limit", "must be a non-negative integer")
        limit = min(int(raw), MAX_LIMIT) or MAX_LIMIT  # 0 means the server's maximum
    since = _time("since", params["since"], round_up=True) if "since" in params else None
    until = _time("until", params["until"], round_up=False) if "until" in params else None
    registration = params.get("registration")
    if registration is not None and not UUID_RE.match(registration):
        raise _bad("registration", "must be a UUID")
    return StatementQuery(
        account_id=account_id,
        agent=index_value(_agent(params["agent"])) if "agent" in params else None,
        verb=index_value(_iri("verb", params["verb"])) if "verb" in params else None,
        activity=index_value(_iri("activity", params["activity"])) if "activity" in params else None,
        registration=index_value(registration.lower()) if registration else None,
        since=since,
        until=until,
        limit=limit,
        ascending=_bool("ascending", params["ascending"]) if "ascending" in params else False,
    )


_TEXT_FIELDS = ("agent", "verb", "activity", "registration", "since", "until")
_FORMATS = ("exact", "canonical", "ids")


def encode_more(query: StatementQuery, next_key: Mapping[str, str], fmt: str = "exact") -> str:
    fields = {k: getattr(query, k) for k in (*_TEXT_FIELDS, "limit", "ascending")}
    raw = json.dumps({"q": fields, "k": dict(next_key), "f": fmt}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_more(account_id: str, token: str) -> tuple[StatementQuery, str]:
    """The query (and format) a `more` token continues, for the caller's own account only."""
    invalid = _bad("more", "is not a token this LRS issued (use the `more` URL of a previous page)")
    if len(token) > MAX_MORE_CHARS:
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        fields, key, fmt = data["q"], data["k"], data.get("f", "exact")
        query = StatementQuery(account_id=account_id, **fields)
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise invalid from None
    # A tampered token must be a 400, never a malformed Query (a 500).
    if fmt not in _FORMATS or not isinstance(query.ascending, bool):
        raise invalid
    if not all(getattr(query, k) is None or isinstance(getattr(query, k), str) for k in _TEXT_FIELDS):
        raise invalid
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise invalid
    _index, attribute, value = repository.index_for(query)
    # A key from another partition (another account, another filter) would make the Query fail.
    if key.get(attribute) != value or not str(key.get("PK", "")).startswith(f"STMT#{account_id}#"):
        raise invalid
    if not isinstance(query.limit, int) or not 1 <= query.limit <= MAX_LIMIT:
        raise invalid
    return replace(query, start_key=key), fmt


def _ids_only(statement: dict[str, Any]) -> dict[str, Any]:
    """format=ids: agents, activities and verbs reduced to their identifiers."""

    def agent(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        kept = {
            k: v for k, v in value.items() if k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account")
        }
        if isinstance(value.get("member"), list) and "objectType" in value and not agent_ifi(value):
            kept["member"] = [agent(m) for m in value["member"]]
        return kept

    out = dict(statement)
    for key in ("actor", "authority"):
        if key in out:
            out[key] = agent(out[key])
    if isinstance(out.get("verb"), dict):
        out["verb"] = {"id": out["verb"].get("id")}
    obj = out.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            out["object"] = {"objectType": "Activity", "id": obj.get("id")}
        elif kind in ("Agent", "Group"):
            out["object"] = agent(obj)
    return out


def read_as(principal: Principal, params: Mapping[str, str], *, more_base: str) -> dict[str, Any]:
    """GET /xapi/statements for a key with the collector scope, over its own account's statements.

    Returns a single statement for `statementId`, else a StatementResult `{statements, more}`.
    """
    require_part(principal, Part.COLLECTOR)
    account = principal.account_id
    fmt = params.get("format", "exact")
    if "statementId" in params:
        extra = sorted(set(params) - _SINGLE_ALLOWED)
        if extra:
            raise _bad(extra[0], "cannot be combined with statementId")
        if fmt not in ("exact", "canonical", "ids"):
            raise _bad("format", "must be exact, ids or canonical")
        statement_id = params["statementId"]
        found = repository.get(account, statement_id.lower()) if UUID_RE.match(statement_id) else None
        if found is None:
            raise NotFound(f"statement {statement_id!r} not found")
        return _ids_only(found) if fmt == "ids" else found
    if "more" in params:
        if set(params) - {"more"}:
            raise _bad(sorted(set(params) - {"more"})[0], "cannot be combined with more")
        query, fmt = decode_more(account, params["more"])
    else:
        query = parse_query(account, params)
    page: StatementPage = repository.query(query)
    statements = [_ids_only(s) if fmt == "ids" else s for s in page.statements]
    more = f"{more_base}?more={encode_more(query, page.next_key, fmt)}" if page.next_key else ""
    return {"statements": statements, "more": more}
