"""What a webhook call carries, for GET (flat query parameters) and POST (a JSON object).

GET: the URL's own parameters first, then time, key, wwwroot, course_*, page_*, module_*, post_*,
user_* (only with consents.processing), ip, session (only when anonymous), consent_processing,
consent_marketing, consent_email (1/0) and, for event subscriptions, event_*. A hub parameter
replaces an author parameter of the same name (a `key` in the URL must not spoof ours).
POST: the same values nested (`course`, `page`, `module`, `post`, `user`, `consents`, `event`);
the URL's own parameters stay in its query string.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from trackhub.webhooks.models import Method
from trackhub.webhooks.signing import ekademia_key

if TYPE_CHECKING:
    from trackhub.webhooks.context import ViewContext

_SECTIONS = {
    "course": ("id", "shortname", "fullname", "category", "url"),
    "page": ("id", "name", "url"),
    "module": ("id", "name", "number", "instance", "url"),
    "post": ("id", "name", "type", "url"),
}
_USER_FIELDS = ("id", "email", "username")


def _flag(value: bool) -> int:
    return 1 if value else 0


def sent_user(context: ViewContext) -> dict[str, Any] | None:
    """The user fields that may leave the hub: only with consent to processing."""
    if context.user is None or not context.consents.processing:
        return None
    fields = {name: getattr(context.user, name) for name in _USER_FIELDS}
    return {k: v for k, v in fields.items() if v is not None} or None


def user_id_for_key(context: ViewContext) -> str:
    user = sent_user(context)
    return "" if not user or user.get("id") is None else str(user["id"])


def nested(context: ViewContext, timestamp: int, secret: str | None) -> dict[str, Any]:
    """The POST body (without `event`)."""
    body: dict[str, Any] = {
        "time": timestamp,
        "key": ekademia_key(user_id_for_key(context), timestamp, secret),
        "wwwroot": context.wwwroot,
    }
    for section in _SECTIONS:
        value = getattr(context, section)
        if value is not None:
            body[section] = value.model_dump(exclude_none=True)
    user = sent_user(context)
    if user:
        body["user"] = user
    body["ip"] = context.ip
    if user is None and context.session:
        body["session"] = context.session
    body["consents"] = {
        "processing": context.consents.processing,
        "marketing": context.consents.marketing,
        "email": context.consents.email,
    }
    return body


def flat(body: dict[str, Any]) -> dict[str, str]:
    """GET parameters for a nested body: course.id -> course_id, consents.email -> consent_email."""
    params: dict[str, str] = {}
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, dict):
            prefix = "consent" if name == "consents" else name
            for inner, item in value.items():
                if item is None or isinstance(item, dict | list):
                    continue
                params[f"{prefix}_{inner}"] = _text(item)
        else:
            params[name] = _text(value)
    return params


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(_flag(value))
    return str(value)


def with_params(url: str, params: dict[str, str]) -> str:
    """The URL with `params` added to its own query (ours replace same-named ones); fragment dropped."""
    parts = urlsplit(url)
    own = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode([*own, *params.items()]), ""))


def request_for(method: Method, url: str, body: dict[str, Any]) -> tuple[str, str | None]:
    """(URL to call, JSON body or None) for a payload."""
    if method is Method.GET:
        return with_params(url, flat(body)), None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")), compact(body)


def compact(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


def event_body(event: dict[str, Any], timestamp: int, secret: str | None) -> dict[str, Any]:
    """A hub event's payload: Ekademia's time/key (no user), and the event as the feed shows it."""
    return {"time": timestamp, "key": ekademia_key("", timestamp, secret), "event": event}


def event_params(event: dict[str, Any]) -> dict[str, str]:
    """Flat event fields for GET subscriptions (PublisherEventData stays in POST bodies)."""
    names = {
        "EventId": "event_id",
        "EventType": "event_type",
        "PublisherProgramId": "event_program",
        "PublisherParticipantId": "event_participant",
        "PublisherEventId": "event_publisher_id",
        "EventStartUtc": "event_start",
        "CreatedUtc": "event_created",
    }
    return {flat_name: str(event[name]) for name, flat_name in names.items() if event.get(name) is not None}
