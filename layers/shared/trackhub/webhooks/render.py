"""Rendering content for a caller identified by a Principal: each {WEBHOOK} code is removed and its
call queued (under its lock), each {WEBHOOKJS} code becomes a browser snippet, malformed codes are
removed and reported."""

from __future__ import annotations

import hashlib
import time
from typing import NamedTuple

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import InvalidInput
from trackhub.observability import logger
from trackhub.storage.items import utc_now
from trackhub.webhooks import lock, payload, repository
from trackhub.webhooks.codes import CodeError, CodeKind, WebhookCode, scan
from trackhub.webhooks.context import ViewContext
from trackhub.webhooks.models import Webhook, WebhookKind
from trackhub.webhooks.service import new_delivery
from trackhub.webhooks.snippet import browser_snippet

# A render commits all its {WEBHOOK} calls in one TransactWriteItems (at most 100 items, up to 3 per
# call: lock, code webhook, delivery), so 33 fit; a page needs a handful. docs/webhooks.md.
MAX_CODES_PER_RENDER = repository.MAX_TRANSACT_ITEMS // repository.ITEMS_PER_RENDER_CALL


class Rendered(NamedTuple):
    content: str
    queued: int
    suppressed: int
    errors: tuple[CodeError, ...]
    delivery_ids: tuple[str, ...]


def code_webhook(account_id: str, code: WebhookCode) -> Webhook:
    """The webhook a {WEBHOOK} code stands for: its id is derived from the code, so every render of
    the same code lands in one delivery log."""
    material = f"{account_id}\n{code.method}\n{code.url}\n{code.secret or ''}".encode()
    return Webhook(
        webhook_id="wc_" + hashlib.sha256(material).hexdigest()[:24],
        account_id=account_id,
        kind=WebhookKind.CODE,
        url=code.url,
        method=code.method,
        secret=code.secret,
        lock_minutes=code.lock_minutes,
        programs=(),
        types=(),
        created_at=utc_now(),
    )


def render_as(principal: Principal, content: str, context: ViewContext) -> Rendered:
    require_part(principal, Part.WEBHOOKS)
    found = scan(content)
    if sum(code.kind is CodeKind.WEBHOOK for code in found.codes) > MAX_CODES_PER_RENDER:
        raise InvalidInput(f"content: at most {MAX_CODES_PER_RENDER} {{WEBHOOK}} codes per render")
    pieces: list[str] = []
    cursor = 0
    calls: list[repository.RenderCall] = []
    now = time.time()
    timestamp = int(now)
    spans = sorted(
        [(c.start, c.end, c) for c in found.codes] + [(e.position, e.end, None) for e in found.errors],
        key=lambda span: span[0],
    )
    for start, end, code in spans:
        pieces.append(content[cursor:start])
        cursor = end
        if code is None:
            continue  # a malformed code is removed (it may hold a secret) and reported in `errors`
        body = payload.nested(context, timestamp, code.secret)
        url, json_body = payload.request_for(code.method, code.url, body)
        if code.kind is CodeKind.WEBHOOKJS:
            pieces.append(browser_snippet(code.method, url, body))
            continue
        webhook = code_webhook(principal.account_id, code)
        delivery = new_delivery(webhook, "render", url, json_body)
        held = lock.take(lock.lock_id(principal.account_id, code.url, context), code.lock_minutes, now)
        calls.append(repository.RenderCall(webhook, delivery, held))
    pieces.append(content[cursor:])
    # Every call's lock and pending delivery in one transaction (all or nothing; a held lock drops
    # only its own call); the table's stream (webhook_outbox) queues what was committed.
    committed = repository.commit_render_calls(calls) if calls else []
    queued = [call.delivery.delivery_id for call, ok in zip(calls, committed, strict=True) if ok]
    suppressed = len(calls) - len(queued)
    logger.info(
        "content rendered",
        extra={"queued": len(queued), "suppressed": suppressed, "errors": len(found.errors)},
    )
    return Rendered("".join(pieces), len(queued), suppressed, found.errors, tuple(queued))
