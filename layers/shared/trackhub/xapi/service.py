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
from datetime import datetime
from typing import Any, NamedTuple

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import InvalidInput, NotFound
from trackhub.storage.items import iso, parse_utc
from trackhub.xapi import repository
from trackhub.xapi.models import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    STATEMENT_VERSION,
    UUID_RE,
    agent_ifi,
    index_value,
)
from trackhub.xapi.records import StatementPage, StatementQuery, StoredStatement

MAX_MORE_CHARS = 4096
_FILTERS = (
    "agent",
    "verb",
    "activity",
    "registration",
    "since",
    "until",
    "limit",
    "ascending",
    "related_agents",
    "related_activities",
)
_COMMON = {"format", "attachments"}


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


def _flag(params: Mapping[str, str], name: str) -> bool:
    return _bool(name, params[name]) if name in params else False


def _format(params: Mapping[str, str]) -> str:
    fmt = params.get("format", "exact")
    if fmt not in _FORMATS:
        raise _bad("format", "must be exact, ids or canonical")
    return fmt


def parse_query(account_id: str, params: Mapping[str, str]) -> StatementQuery:
    """The xAPI 1.0.3 query parameters; a value the hub cannot honour is a 400 naming it."""
    unknown = sorted(set(params) - {*_FILTERS, *_COMMON})
    if unknown:
        raise _bad(unknown[0], "is not a parameter of GET /xapi/statements")
    _format(params)
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
        related_agents=_flag(params, "related_agents"),
        related_activities=_flag(params, "related_activities"),
    )


_TEXT_FIELDS = ("agent", "verb", "activity", "registration", "since", "until")
_BOOL_FIELDS = ("ascending", "related_agents", "related_activities")
_FORMATS = ("exact", "canonical", "ids")


def encode_more(query: StatementQuery, next_key: Mapping[str, str], fmt: str = "exact") -> str:
    fields = {k: getattr(query, k) for k in (*_TEXT_FIELDS, *_BOOL_FIELDS, "limit")}
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
    if fmt not in _FORMATS or not all(isinstance(getattr(query, k), bool) for k in _BOOL_FIELDS):
        raise invalid
    if not all(getattr(query, k) is None or isinstance(getattr(query, k), str) for k in _TEXT_FIELDS):
        raise invalid
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise invalid
    _index, attribute, value = repository.index_for(query)
    # A key from another partition (another account, another filter) would make the Query fail.
    if key.get(attribute) != value or not str(key.get("PK", "")).startswith(f"STMT#{account_id}#"):
        raise invalid
    # a posting position also says how many of that posting's ids were read
    position = key.pop("pos", None) if attribute == repository.POSTING_INDEX[1] else None
    if set(key) != {"PK", "SK", "StoredSK", attribute}:
        raise invalid
    if position is not None:
        if not position.isdigit() or int(position) > repository.GROUP_SIZE:
            raise invalid
        key["pos"] = position
    if not isinstance(query.limit, int) or not 1 <= query.limit <= MAX_LIMIT:
        raise invalid
    return query._replace(start_key=key), fmt


def _ids_only(statement: dict[str, Any]) -> dict[str, Any]:
    """format=ids: agents, activities and verbs reduced to their identifiers."""

    def agent(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        kept = {
            k: v for k, v in value.items() if k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account")
        }
        if isinstance(value.get("member"), list) and not agent_ifi(value):  # anonymous groups only
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
            out["object"] = {"id": obj.get("id")}
        elif kind in ("Agent", "Group"):
            out["object"] = agent(obj)
        elif kind == "SubStatement":
            out["object"] = {**_ids_only(obj), "objectType": "SubStatement"}
    context = out.get("context")
    if isinstance(context, dict):
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = agent(context[key])
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            context["contextActivities"] = {
                kind: [{"id": a.get("id")} for a in value if isinstance(a, dict)]
                if isinstance(value, list)
                else value
                for kind, value in activities.items()
            }
        out["context"] = context
    return out


_LANGUAGE_MAPS = ("display", "name", "description")


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language tags, best first (q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.lower()))
    return [tag for _q, _p, tag in sorted(ranked)]


def _one_language(value: dict[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    """The best entry: an exact tag first, then the same primary language, then the first one."""
    for wanted in languages:
        for tag, text in value.items():
            if wanted in ("*", tag.lower()):
                return {tag: text}
        for tag, text in value.items():
            if tag.lower().split("-")[0] == wanted.split("-")[0]:
                return {tag: text}
    first = next(iter(value.items()), None)
    return {first[0]: first[1]} if first else {}


def canonical(value: Any, languages: Sequence[str], key: str = "") -> Any:
    """format=canonical: each language map reduced to the one language the client prefers."""
    if isinstance(value, dict):
        if key in _LANGUAGE_MAPS and all(isinstance(v, str) for v in value.values()):
            return _one_language(value, languages)
        if key in ("extensions",):
            return value
        return {k: canonical(v, languages, k) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v, languages, key) for v in value]
    return value


class ReadAnswer(NamedTuple):
    """What GET /xapi/statements answers: the JSON body, the statements in it (for attachments) and
    the `stored` the Last-Modified header reports."""

    body: dict[str, Any]
    statements: tuple[dict[str, Any], ...]
    last_modified: str | None
    attachments: bool


def _shaped(statement: dict[str, Any], fmt: str, languages: Sequence[str]) -> dict[str, Any]:
    if fmt == "ids":
        return _ids_only(statement)
    if fmt == "canonical":
        return dict(canonical(statement, languages))
    return statement


def _single(account: str, params: Mapping[str, str], languages: Sequence[str]) -> dict[str, Any]:
    name = "statementId" if "statementId" in params else "voidedStatementId"
    if "statementId" in params and "voidedStatementId" in params:
        raise _bad("voidedStatementId", "cannot be combined with statementId")
    extra = sorted(set(params) - {name, *_COMMON})
    if extra:
        raise _bad(extra[0], f"cannot be combined with {name}")
    fmt = _format(params)
    statement_id = params[name]
    item = repository.get_visible_item(account, statement_id.lower()) if UUID_RE.match(statement_id) else None
    # statementId never returns a voided statement; voidedStatementId returns only voided ones
    if item is None or bool(item.get("voided")) != (name == "voidedStatementId"):
        raise NotFound(f"statement {statement_id!r} not found")
    return _shaped(json.loads(item["statement"]), fmt, languages)


def read_as(
    principal: Principal,
    params: Mapping[str, str],
    *,
    more_base: str,
    accept_language: str | None = None,
) -> ReadAnswer:
    """GET /xapi/statements for a key with the collector scope, over its own account's statements.

    A single statement for `statementId` / `voidedStatementId`, else a StatementResult
    `{statements, more}`.
    """
    require_part(principal, Part.COLLECTOR)
    account = principal.account_id
    languages = accepted_languages(accept_language)
    wants_attachments = _bool("attachments", params["attachments"]) if "attachments" in params else False
    if "statementId" in params or "voidedStatementId" in params:
        one = _single(account, params, languages)
        return ReadAnswer(one, (one,), str(one.get("stored") or "") or None, wants_attachments)
    if "more" in params:
        if set(params) - {"more"}:
            raise _bad(sorted(set(params) - {"more"})[0], "cannot be combined with more")
        query, fmt = decode_more(account, params["more"])
    else:
        query = parse_query(account, params)
        fmt = _format(params)
    page: StatementPage = repository.query(query)
    statements = tuple(_shaped(s, fmt, languages) for s in page.statements)
    more = f"{more_base}?more={encode_more(query, page.next_key, fmt)}" if page.next_key else ""
    newest = max((str(s.get("stored") or "") for s in page.statements), default="") or None
    return ReadAnswer({"statements": list(statements), "more": more}, statements, newest, wants_attachments)
