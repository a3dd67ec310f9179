"""The {WEBHOOK} lock: an identical call within `lockMinutes` is suppressed.

Identical = same URL (without `time` and `key`), same course + page + module or same blog post, same
user id - or the same session when anonymous. Taking the lock is one conditional Put whose condition
checks the expiry itself (`attribute_not_exists(PK) OR expiresAt <= :now`): DynamoDB's TTL deletes
lazily (up to days later), so an expired-but-present lock must not block, and two renders racing for
one lock cannot both win. The Put is committed in one transaction with the call's pending delivery
and the render's other calls (repository.commit_render_calls): a lock never exists without its call,
nor a call without its lock, and a render writes all its calls or none.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from trackhub.storage.items import to_attribute_values
from trackhub.webhooks import repository
from trackhub.webhooks.context import ViewContext

_IGNORED_PARAMS = frozenset({"time", "key"})


def _normalized_url(url: str) -> str:
    parts = urlsplit(url)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _IGNORED_PARAMS
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, urlencode(query), ""))


def lock_id(account_id: str, url: str, context: ViewContext) -> str:
    """sha256 of what makes two calls identical (never the time, the key or the secret)."""

    def ident(section: object) -> object:
        return getattr(section, "id", None) if section is not None else None

    user = context.user.id if context.user and context.user.id is not None else None
    where = (
        {"post": ident(context.post)}
        if context.post is not None
        else {"course": ident(context.course), "page": ident(context.page), "module": ident(context.module)}
    )
    who = {"user": str(user)} if user is not None else {"session": context.session or ""}
    material = json.dumps([account_id, _normalized_url(url), where, who], sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def take(lock: str, minutes: int, now: float) -> dict[str, Any] | None:
    """The TransactWriteItems entry that takes the lock (the window starts now), or None for
    `lockMinutes` 0. It is committed with the call's delivery, so a taken lock always has its call."""
    if minutes <= 0:
        return None
    return {
        "Put": {
            "TableName": repository.table_name(),
            "Item": to_attribute_values(
                {"PK": f"LOCK#{lock}", "SK": "LOCK", "expiresAt": int(now) + minutes * 60}
            ),
            "ConditionExpression": "attribute_not_exists(PK) OR expiresAt <= :now",
            "ExpressionAttributeValues": to_attribute_values({":now": int(now)}),
        }
    }
