"""The xAPI 1.0.3 Document resources: State (/activities/state), Activity Profile
(/activities/profile) and Agent Profile (/agents/profile) - parameters, concurrency and merge.

Every write reads the document first (consistent), applies the request's If-Match / If-None-Match
to it (412), and writes conditioned on the ETag it read: a concurrent writer makes the condition
fail, and the request is decided again on the new version (a POST merges into it, an If-Match no
longer matches). See docs/xapi-lrs.md, "Documents".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.config import document_settings
from trackhub.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, PreconditionFailed
from trackhub.storage.items import iso, parse_utc, utc_now
from trackhub.xapi import document_store as store
from trackhub.xapi.document_store import Document, Scope
from trackhub.xapi.models import UUID_RE, agent_ifi, index_value
from trackhub.xapi.validation import validate_actor

_ATTEMPTS = 3  # read-decide-write rounds when concurrent writers keep changing the document
_MAX_ID_CHARS = 512  # a document id is part of the sort key (DynamoDB: 1 KB)
JSON_TYPE = "application/json"
DEFAULT_TYPE = "application/octet-stream"


class Kind(StrEnum):
    STATE = "state"
    ACTIVITY_PROFILE = "activity-profile"
    AGENT_PROFILE = "agent-profile"


_ID_PARAMETER = {Kind.STATE: "stateId", Kind.ACTIVITY_PROFILE: "profileId", Kind.AGENT_PROFILE: "profileId"}
_SCOPE_PARAMETERS = {
    Kind.STATE: ("activityId", "agent", "registration"),
    Kind.ACTIVITY_PROFILE: ("activityId",),
    Kind.AGENT_PROFILE: ("agent",),
}


class Target(NamedTuple):
    """What a request addresses: the scope of documents, one document id in it (or all), `since`."""

    scope: Scope
    document_id: str | None
    since: str | None = None


class Preconditions(NamedTuple):
    if_match: str | None = None
    if_none_match: str | None = None


def bad(parameter: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{parameter}: {problem}", details=[{"field": parameter, "problem": problem}])


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha1(content, usedforsecurity=False).hexdigest() + '"'


# ------------------------------------------------------------------ parameters
def iri(parameter: str, value: str | None) -> str:
    if value is None or value == "":
        raise bad(parameter, "query parameter required")
    if len(value) > 4096 or ":" not in value or any(c.isspace() for c in value):
        raise bad(parameter, "must be an IRI (e.g. http://example.com/activities/1)")
    return value


def agent(value: str | None) -> dict[str, Any]:
    """The `agent` parameter: a JSON Agent held to the statements' rules (exactly one IFI)."""
    if value is None or value == "":
        raise bad("agent", "query parameter required (a JSON Agent object)")
    try:
        parsed = json.loads(value)
    except ValueError:
        raise bad("agent", "must be a JSON Agent object") from None
    if not isinstance(parsed, dict):
        raise bad("agent", "must be a JSON Agent object")
    if parsed.get("objectType", "Agent") != "Agent":
        raise bad("agent.objectType", "must be Agent")
    validate_actor(parsed, "agent")  # StatementInvalid: a 400 naming agent.<field> and the rule
    return parsed


def _since(value: str) -> str:
    try:
        return iso(parse_utc(value, round_up=True))
    except ValueError as exc:
        raise bad("since", str(exc)) from None


def _document_id(parameter: str, value: str | None) -> str | None:
    if value is None:
        return None
    if value == "" or len(value) > _MAX_ID_CHARS:
        raise bad(parameter, f"must be a non-empty string of at most {_MAX_ID_CHARS} characters")
    return value


def target(kind: Kind, params: Mapping[str, str], *, method: str) -> Target:
    """The documents a request addresses; 400 naming the parameter for anything missing or wrong.

    `method` decides which parameters apply: the id is required for PUT/POST, `since` only lists."""
    id_parameter = _ID_PARAMETER[kind]
    allowed = {*_SCOPE_PARAMETERS[kind], id_parameter, *(("since",) if method in ("GET", "HEAD") else ())}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise bad(unknown[0], f"is not a parameter of {method} on this resource")
    parts: list[str] = []
    if "activityId" in _SCOPE_PARAMETERS[kind]:
        parts.append(iri("activityId", params.get("activityId")))
    if "agent" in _SCOPE_PARAMETERS[kind]:
        parts.append(str(agent_ifi(agent(params.get("agent")))))
    document_id = _document_id(id_parameter, params.get(id_parameter))
    if document_id is None and method in ("PUT", "POST"):
        raise bad(id_parameter, f"query parameter required for {method}")
    prefix = ""
    if kind is Kind.STATE:
        registration = params.get("registration")
        if registration is not None and not UUID_RE.match(registration):
            raise bad("registration", "must be a UUID")
        # One document: its registration (or none) is part of its identity. Many (ids, DELETE-all):
        # "Activity + Agent [+ registration if specified]" - without one, every registration's.
        if registration:
            prefix = registration.lower() + "#"
        elif document_id is not None:
            prefix = "-#"
    since = params.get("since")
    if since is not None and document_id is not None:
        raise bad("since", f"applies to the list of ids only, not with {id_parameter}")
    partition = f"{kind.value}#{index_value(json.dumps(parts, separators=(',', ':')))}"
    return Target(Scope(partition, prefix), document_id, _since(since) if since is not None else None)


def _scoped(principal: Principal, found: Target) -> Target:
    """The target inside the caller's account (the partition starts with the account id)."""
    scope = Scope(f"{principal.account_id}#{found.scope.partition}", found.scope.prefix)
    return Target(scope, found.document_id, found.since)


# ------------------------------------------------------------------ concurrency
def _tags(header: str) -> set[str]:
    """The entity tags of an If-Match / If-None-Match header, quotes and weak markers dropped."""
    tags = set()
    for raw in header.split(","):
        tag = raw.strip()
        tag = tag[2:] if tag.startswith("W/") else tag
        tags.add(tag.strip('"').lower())
    return tags - {""}


def check(preconditions: Preconditions, current: Document | None, *, require: bool, method: str) -> None:
    """412 when If-Match / If-None-Match fail on `current`. With `require` (profile PUT) and neither
    header: 409 when the document exists (xAPI Communication 3.1), else 400."""
    etag = current.etag.strip('"').lower() if current else None
    if preconditions.if_match is not None:
        tags = _tags(preconditions.if_match)
        if etag is None or ("*" not in tags and etag not in tags):
            raise PreconditionFailed("If-Match: does not match the document's current ETag")
    if preconditions.if_none_match is not None:
        tags = _tags(preconditions.if_none_match)
        if etag is not None and ("*" in tags or etag in tags):
            raise PreconditionFailed("If-None-Match: the document exists (or has that ETag)")
    if require and method == "PUT" and preconditions.if_match is None and preconditions.if_none_match is None:
        if current is not None:
            raise Conflict("If-Match: the document exists; check it and send If-Match with its ETag to PUT")
        # xAPI 3.1: a client MUST send one of them; the ADL suite expects 400 for a new document
        raise bad("If-None-Match", "a PUT of a profile document needs If-None-Match: * (new) or If-Match")


# ------------------------------------------------------------------ operations
class Listing(NamedTuple):
    ids: list[str]


def read(principal: Principal, kind: Kind, params: Mapping[str, str]) -> Document | Listing:
    """GET/HEAD: the document (404 when there is none) or the ids of the scope."""
    require_part(principal, Part.COLLECTOR)
    found = _scoped(principal, target(kind, params, method="GET"))
    if found.document_id is None:
        return Listing(store.ids(found.scope, found.since))
    document = store.get(found.scope, found.document_id)
    if document is None:
        raise NotFound(f"{_ID_PARAMETER[kind]}: no document {found.document_id!r} here")
    return document


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == JSON_TYPE


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except (UnicodeDecodeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise bad(what, "must be a JSON object to merge (Content-Type application/json)")
    return value


def _merged(current: Document, content: bytes, content_type: str) -> tuple[bytes, str]:
    """xAPI Document Merge: both documents JSON objects; the posted top-level keys replace."""
    if not _is_json(current.content_type):
        raise bad("body", "the stored document is not application/json: it cannot be merged into")
    if not _is_json(content_type):
        raise bad("Content-Type", "must be application/json to merge into the stored JSON document")
    stored = _json_object(current.content, "stored document")
    posted = _json_object(content, "body")
    merged = json.dumps({**stored, **posted}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return merged, JSON_TYPE


def write(
    principal: Principal,
    kind: Kind,
    params: Mapping[str, str],
    content: bytes,
    content_type: str | None,
    preconditions: Preconditions,
    *,
    merge: bool,
) -> None:
    """PUT (merge=False: store or replace) and POST (merge=True: JSON merge, or store when absent)."""
    require_part(principal, Part.COLLECTOR)
    method = "POST" if merge else "PUT"
    found = _scoped(principal, target(kind, params, method=method))
    assert found.document_id is not None  # target() requires it for writes
    limit = document_settings().XAPI_DOCUMENT_MAX_BYTES
    if len(content) > limit:
        raise PayloadTooLarge(f"body: a document holds at most {limit} bytes (see docs/xapi-lrs.md)")
    kind_of = (content_type or "").strip() or DEFAULT_TYPE
    if merge and _is_json(kind_of):
        _json_object(content, "body")  # a POSTed JSON document must be an object, stored or not
    for _ in range(_ATTEMPTS):
        current = store.get(found.scope, found.document_id)
        check(preconditions, current, require=kind is not Kind.STATE, method=method)
        body, stored_type = (content, kind_of)
        if merge and current is not None:
            body, stored_type = _merged(current, content, kind_of)
        if len(body) > limit:
            raise PayloadTooLarge(f"body: the merged document would exceed {limit} bytes")
        document = Document(found.document_id, body, stored_type, etag_of(body), iso(utc_now()))
        try:
            store.put(found.scope, document, expected_etag=current.etag if current else None)
            return
        except store.Changed:
            continue
    raise Conflict(f"{_ID_PARAMETER[kind]}: the document is being changed concurrently; retry")


def delete(principal: Principal, kind: Kind, params: Mapping[str, str], preconditions: Preconditions) -> None:
    """DELETE one document (If-Match honoured) or, without the id, every document of the scope
    (State only: a profile DELETE needs its profileId)."""
    require_part(principal, Part.COLLECTOR)
    found = _scoped(principal, target(kind, params, method="DELETE"))
    if found.document_id is None:
        if kind is not Kind.STATE:
            raise bad(_ID_PARAMETER[kind], "query parameter required for DELETE")
        store.delete_all(found.scope)
        return
    conditional = preconditions.if_match is not None or preconditions.if_none_match is not None
    for _ in range(_ATTEMPTS):
        current = store.get(found.scope, found.document_id)
        check(preconditions, current, require=False, method="DELETE")
        if current is None:
            return  # nothing to delete: DELETE is idempotent
        try:
            store.delete(found.scope, found.document_id, expected_etag=current.etag if conditional else None)
            return
        except store.Changed:
            continue
    raise Conflict(f"{_ID_PARAMETER[kind]}: the document is being changed concurrently; retry")
