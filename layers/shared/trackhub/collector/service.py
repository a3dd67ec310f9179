"""The collector's rules: start a session, track statements, end a session (RAGE's decision order).

Start precedence, as the original: unknown code 404, closed 412, not admitted 401, an Authorization
that is not an accepted Bearer JWT 400, unknown anonymous id 404. Track: unknown/expired/ended token
401 (the original's 500 was a bug), not admitted any more 401, not an array 400, invalid statement
400 — all before anything is written.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.collector import identity, repository, revocations, validation
from trackhub.collector.models import Player, PlayerType, SessionToken, TrackingCode, event_participant
from trackhub.collector.names import animal_name
from trackhub.config import collector_settings
from trackhub.errors import (
    Conflict,
    DependencyUnavailable,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
)
from trackhub.errors import InvalidInput as BadRequest
from trackhub.events import service as events
from trackhub.events.errors import ExtraItemRejected
from trackhub.events.models import NewEvent
from trackhub.observability import logger, metrics
from trackhub.storage.items import iso, utc_now
from trackhub.tenancy import repository as tenancy
from trackhub.xapi import repository as statements_repository
from trackhub.xapi import service as statements
from trackhub.xapi.completion import completed_event
from trackhub.xapi.models import COMPLETED_VERB, StoredStatement

NOT_AVAILABLE = "Tracking code not available!"
NOT_STARTED = "Activity is not started"
NOT_AUTHORIZED_JOIN = "Not authorized to join this activity"
BAD_AUTHORIZATION = (
    "Authorization header found but the expected format is 'Bearer JSON Web Token' "
    "obtained by logging in to A2"
)
TOKEN_FAILED = "Auth token failed to create!"  # noqa: S105 - a message, not a secret
INVALID_SESSION = "Invalid authToken: unknown, expired or ended session. Start a new session."
NOT_AUTHORIZED_TRACK = "Not authorized to send traces to this activity"
ACTIVITY_NOT_FOUND = "Activity not found"
SUCCESS = {"message": "Success."}
# A2 (tokenStorage/redis-backend.js) answered a JWT whose session was gone with its own error JSON.
SESSION_REVOKED = "Token doesn't exist, login into the system so it can generate a new token."
SESSION_REVOKED_FIELDS = {
    "status": 401,
    "descriptiveTitle": "Session revoked",
    "descriptiveSubtitle": "This login was ended or revoked; log in again to get a new token.",
}
ANONYMOUS_NAME = "Anonymous"
MAX_STATEMENT_BYTES = 350_000  # a DynamoDB item holds 400 KB, statement and index keys together


def no_anonymous_player(player_id: str) -> str:
    return (
        f"No anonymous player found with id {player_id}. "
        "Start a new anonymous session without providing any body in this request."
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _expiry(now: datetime) -> int:
    return int((now + timedelta(seconds=collector_settings().COLLECTOR_TOKEN_TTL_SECONDS)).timestamp())


# ------------------------------------------------------------------ start
def _known_code(code: str) -> TrackingCode:
    found = repository.get_code(code) if code else None
    if found is None:
        raise NotFound(NOT_AVAILABLE)
    account = tenancy.get_account(found.account_id)
    if account is None or not account.active:
        raise NotFound(NOT_AVAILABLE)
    return found


def _identify(account_id: str, authorization: str | None) -> str | None:
    """The username a Bearer JWT proves (None: no or an unaccepted Authorization). A revoked token
    is refused the way A2 refused it, before the collector saw the request."""
    verified = identity.identify(account_id, authorization) if authorization else None
    if verified is None:
        return None
    if revocations.is_revoked(account_id, verified):
        logger.info("revoked JWT refused")
        raise Unauthenticated(SESSION_REVOKED, fields=SESSION_REVOKED_FIELDS)
    return verified.username


def _player(account_id: str, username: str | None, anonymous: str | None, now: datetime) -> Player:
    if username is not None:
        existing = repository.get_player(account_id, PlayerType.IDENTIFIED, username)
        if existing is not None:
            return existing
        player = Player(
            account_id=account_id,
            player_id=username,
            type=PlayerType.IDENTIFIED,
            animal_name=animal_name(),
            created_at=now,
        )
        if repository.create_player(player):
            return player
        # a concurrent first start of the same user created it: use theirs
        raced = repository.get_player(account_id, PlayerType.IDENTIFIED, username)
        if raced is None:
            raise DependencyUnavailable("player record is not readable yet; retry")
        return raced
    if anonymous is not None:
        player_id = anonymous.strip()
        existing = repository.get_player(account_id, PlayerType.ANONYMOUS, player_id) if player_id else None
        if existing is None:
            raise NotFound(no_anonymous_player(player_id))
        return existing
    player = Player(
        account_id=account_id,
        player_id=secrets.token_hex(16),  # unguessable: it is all a resuming client presents
        type=PlayerType.ANONYMOUS,
        animal_name=animal_name(),
        created_at=now,
    )
    if not repository.create_player(player):
        raise DependencyUnavailable("could not create a player; retry")
    return player


def actor(player: Player, home_page: str) -> dict[str, Any]:
    """The xAPI Agent trackers copy into every statement (RAGE: all anonymous players share one name)."""
    if player.type is PlayerType.IDENTIFIED:
        return {"account": {"homePage": home_page, "name": player.player_id}, "name": player.player_id}
    return {"account": {"homePage": home_page, "name": ANONYMOUS_NAME}, "name": player.animal_name}


def object_id(code: TrackingCode, home_page: str) -> str:
    return f"{home_page}api/proxy/gleaner/games/{code.account_id}/{code.code}"


def start(code: str, *, authorization: str | None, anonymous: str | None, home_page: str) -> dict[str, Any]:
    """POST /api/collector/start/{code}: the start object, keys in the original's order.

    `anonymous` is the body's `anonymous` value when truthy (None: a new anonymous player).
    """
    tracking = _known_code(code)
    username = _identify(tracking.account_id, authorization)
    if not tracking.open:
        raise PreconditionFailed(NOT_STARTED)
    if not tracking.admits(username):
        raise Unauthenticated(NOT_AUTHORIZED_JOIN)
    if authorization and username is None:
        raise BadRequest(BAD_AUTHORIZATION)
    now = utc_now()
    player = _player(tracking.account_id, username, anonymous, now)
    count = repository.next_session(player, tracking.code, now, gameplay_id=uuid.uuid4().hex)
    first = iso(count.first_session_started)
    session = SessionToken(
        account_id=tracking.account_id,
        tracking_code=tracking.code,
        player_id=player.player_id,
        player_type=player.type,
        session=count.session,
        gameplay_id=count.gameplay_id,
        first_session_started=first,
        current_session_started=first if count.session == 1 else iso(now),
    )
    auth_token = new_auth_token()
    try:
        repository.create_token(token_hash(auth_token), session, now=now, expires_at=_expiry(now))
    except repository.TokenCollision:
        raise Forbidden(TOKEN_FAILED) from None
    metrics.add_metric(name="CollectorSessionsStarted", unit=MetricUnit.Count, value=1)
    logger.info("collector session started", extra={"tracking_code": tracking.code, "session": count.session})
    return {
        "authToken": auth_token,
        "actor": actor(player, home_page),
        "playerAnimalName": player.animal_name,
        "playerId": player.player_id,
        "objectId": object_id(tracking, home_page),
        "session": count.session,
        "firstSessionStarted": session.first_session_started,
        "currentSessionStarted": session.current_session_started,
    }


def new_auth_token() -> str:
    return secrets.token_hex(32)


# ------------------------------------------------------------------ track / end
def raw_token(authorization: str | None) -> str:
    """`Authorization: <authToken>` (RAGE) or `Bearer <authToken>` (C# UseBearerOnTrackEndpoint)."""
    value = (authorization or "").strip()
    scheme, _, rest = value.partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else value
    if not token or len(token) > 512:
        raise Unauthenticated(INVALID_SESSION)
    return token


def _session(authorization: str | None) -> SessionToken:
    now = utc_now()
    session = repository.touch_token(token_hash(raw_token(authorization)), now=now, expires_at=_expiry(now))
    if session is None:
        raise Unauthenticated(INVALID_SESSION)
    return session


def _authority(account_id: str, home_page: str) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": "trackhub collector",
        "account": {"homePage": home_page, "name": f"{account_id}-collector"},
    }


def _completed_event(session: SessionToken, stored: StoredStatement, program: str) -> NewEvent:
    return completed_event(
        program,
        stored,
        participant=event_participant(session.player_type, session.player_id),
        details={"trackingCode": session.tracking_code, "session": session.session},
    )


def track(authorization: str | None, body: Any, *, home_page: str) -> dict[str, Any] | bool:
    """POST /api/collector/track: validate every statement, then store them all (or answer an error).

    `False` (RAGE's 200 `false`) when the token's player was deleted: nothing is stored."""
    session = _session(authorization)
    tracking, player_exists = repository.get_code_and_player(
        session.tracking_code, session.account_id, session.player_type, session.player_id
    )
    if not player_exists:
        logger.info("track for a deleted player ignored", extra={"tracking_code": session.tracking_code})
        return False
    if tracking is None:
        raise NotFound(ACTIVITY_NOT_FOUND)
    if not tracking.admits(session.player_id if session.player_type is PlayerType.IDENTIFIED else None):
        raise Unauthenticated(NOT_AUTHORIZED_TRACK)
    batch = validation.check_batch(body)
    now = utc_now()
    authority = _authority(session.account_id, home_page)
    context = session.context()
    stored: list[StoredStatement] = []
    taken: set[str] = set()
    for i, s in enumerate(batch):
        item = statements.new_statement(
            session.account_id, s, stored=now, authority=authority, context=context, order=i
        )
        if item.statement_id in taken:  # one id twice in a batch: RAGE kept both, so do we
            without_id = {k: v for k, v in s.items() if k != "id"}
            item = statements.new_statement(
                session.account_id, without_id, stored=now, authority=authority, context=context, order=i
            )
        taken.add(item.statement_id)
        stored.append(item)
    for index, item in enumerate(stored):
        if statements_repository.item_size(statements_repository.to_item(item)) > MAX_STATEMENT_BYTES:
            raise BadRequest(
                f"Statement {index} is larger than {MAX_STATEMENT_BYTES} bytes; it cannot be stored"
            )
    completed = [s for s in stored if _verb(s) == COMPLETED_VERB]
    statements.store([s for s in stored if _verb(s) != COMPLETED_VERB])
    if completed:
        _publish_completed(session, completed)
    metrics.add_metric(name="CollectorStatementsStored", unit=MetricUnit.Count, value=len(stored))
    return SUCCESS


def _verb(stored: StoredStatement) -> str | None:
    verb = stored.statement.get("verb")
    return verb.get("id") if isinstance(verb, dict) else None


def _publish_completed(session: SessionToken, completed: list[StoredStatement]) -> None:
    """Each completed statement and its event commit together (one transaction each)."""
    account = tenancy.get_account(session.account_id)
    if account is None:
        raise NotFound(ACTIVITY_NOT_FOUND)
    program = account.hub_programs.collector
    for stored in completed:
        try:
            events.publish(
                _completed_event(session, stored, program),
                extra_transact_items=statements_repository.transact_puts(stored),
            )
        except (ExtraItemRejected, Conflict):
            # the event exists: a client re-sending a batch with its own statement ids; keep the statement
            statements.store([stored])


def end(authorization: str | None) -> dict[str, Any]:
    """POST /api/collector/end: the token's session ends; later tracks with it get 401."""
    now = utc_now()
    session = repository.end_token(token_hash(raw_token(authorization)), now=now)
    if session is None:
        raise Unauthenticated(INVALID_SESSION)
    logger.info(
        "collector session ended", extra={"tracking_code": session.tracking_code, "session": session.session}
    )
    return SUCCESS
