"""DynamoDB access for xAPI documents (State, Activity Profile, Agent Profile): XapiDocumentsTable.

    PK   <accountId>#<kind>#<digest of the scope>   kind: state | activity-profile | agent-profile;
                                                    scope: [activityId, agent IFI] (state),
                                                    [activityId] or [agent IFI] (profiles)
    SK   <registration or "-">#<stateId>            (state: the registration is part of the id)
         <profileId>                                (profiles)
    documentId, contentType, etag, updated (ISO ms Z), content (binary, verbatim)

A single document is a GetItem (consistent); the ids of a scope (`since`) and DELETE-all are a Query
on PK (with begins_with on SK when a state request names a registration). Writes are conditional on
the ETag read before them (or on the document's absence), so concurrent PUT/POSTs never lose an
update.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from trackhub.config import document_settings
from trackhub.storage.clients import table
from trackhub.storage.errors import is_conditional_failure, unavailable_on_outage

_WHAT = "the xAPI documents table"


class Changed(Exception):
    """The document changed (or appeared, or vanished) since it was read: re-read and decide again."""


class Scope(NamedTuple):
    """Where a resource's documents live: the partition, and the SK prefix of a state registration."""

    partition: str
    prefix: str = ""


class Document(NamedTuple):
    document_id: str
    content: bytes
    content_type: str
    etag: str  # quoted SHA-1 hex of the content
    updated: str  # ISO ms Z


def _table() -> Any:
    return table(document_settings().XAPI_DOCUMENTS_TABLE_NAME)


def _key(scope: Scope, document_id: str) -> dict[str, str]:
    return {"PK": scope.partition, "SK": scope.prefix + document_id}


def _document(item: dict[str, Any]) -> Document:
    content = item.get("content")
    raw = bytes(content.value) if content is not None and hasattr(content, "value") else bytes(content or b"")
    return Document(
        document_id=str(item["documentId"]),
        content=raw,
        content_type=str(item["contentType"]),
        etag=str(item["etag"]),
        updated=str(item["updated"]),
    )


def get(scope: Scope, document_id: str) -> Document | None:
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=_key(scope, document_id), ConsistentRead=True).get("Item")
    return _document(dict(item)) if item else None


def put(scope: Scope, document: Document, *, expected_etag: str | None) -> None:
    """Store `document`; `expected_etag` None means "only if there is none yet". Changed otherwise."""
    item = {
        **_key(scope, document.document_id),
        "documentId": document.document_id,
        "contentType": document.content_type,
        "etag": document.etag,
        "updated": document.updated,
        "content": document.content,
    }
    condition = Attr("PK").not_exists() if expected_etag is None else Attr("etag").eq(expected_etag)
    try:
        with unavailable_on_outage(_WHAT):
            _table().put_item(Item=item, ConditionExpression=condition)
    except ClientError as exc:
        if is_conditional_failure(exc):
            raise Changed from exc
        raise


def delete(scope: Scope, document_id: str, *, expected_etag: str | None) -> None:
    """Delete one document; with `expected_etag`, only that version of it (Changed otherwise)."""
    kwargs: dict[str, Any] = {"Key": _key(scope, document_id)}
    if expected_etag is not None:
        kwargs["ConditionExpression"] = Attr("etag").eq(expected_etag)
    try:
        with unavailable_on_outage(_WHAT):
            _table().delete_item(**kwargs)
    except ClientError as exc:
        if is_conditional_failure(exc):
            raise Changed from exc
        raise


def _keys(scope: Scope, since: str | None, attributes: str) -> list[dict[str, Any]]:
    condition: ConditionBase = Key("PK").eq(scope.partition)
    if scope.prefix:
        condition = condition & Key("SK").begins_with(scope.prefix)
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "ProjectionExpression": attributes,
        "ConsistentRead": True,
    }
    if since is not None:
        kwargs["FilterExpression"] = Attr("updated").gt(since)
    found: list[dict[str, Any]] = []
    while True:
        with unavailable_on_outage(_WHAT):
            page = _table().query(**kwargs)
        found.extend(page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def ids(scope: Scope, since: str | None = None) -> list[str]:
    """The document ids of the scope (updated after `since`, exclusive), each once (a state id can
    exist under several registrations), in key order."""
    return list(dict.fromkeys(str(item["documentId"]) for item in _keys(scope, since, "documentId")))


def delete_all(scope: Scope) -> int:
    """Delete every document of the scope; how many there were."""
    keys = [{"PK": str(i["PK"]), "SK": str(i["SK"])} for i in _keys(scope, None, "PK, SK")]
    with unavailable_on_outage(_WHAT), _table().batch_writer() as batch:
        for key in keys:
            batch.delete_item(Key=key)
    return len(keys)
