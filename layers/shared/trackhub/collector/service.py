"""The collector's rules: start a session, track statements, end a session (RAGE's decision order).

Start precedence, as the original: unknown code 404, closed 412, not admitted 401, an Authorization
that is not an accepted Bearer JWT 400, unknown anonymous id 404. Track: unknown/expired/ended token
401 (the original's 500 was a bug), not admitted any more 401, not an array 400, invalid statement
400 — all before anything is written.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.collector import identity, repository, revocations, validation
from trackhub.collector.models import (
    Player,
    PlayerType,
    SessionCount,
    SessionToken,
    TrackingCode,
    event_participant,
)
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
from trackhub.events.errors import ExtraItemRejected
from trackhub.observability import logger, metrics
from trackhub.storage.items import iso, utc_now
from trackhub.tenancy import repository as tenancy
from trackhub.xapi import repository as statements_repository
from trackhub.xapi import service as statements
from trackhub.xapi.completion import commit_with_events, completed_event
from trackhub.xapi.models import COMPLETED_VERB, UUID_RE
from trackhub.xapi.records import StoredStatement

if TYPE_CHECKING:
    from trackhub.events.models import NewEvent

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
_START_ATTEMPTS = 5  # a start loses its race only to a concurrent start (or delete) of the same player


def _known_code(code: str) -> TrackingCode:
    found = repository.get_code(code) if code else None
    if found is None:
        raise NotFound(NOT_AVAILABLE)
    return found


def _verify(account_id: str, authorization: str | None) -> identity.VerifiedToken | None:
    """What a Bearer JWT proves (None: no or an unaccepted Authorization). Verified before the
    start's one read, which then also fetches the token's revocation entries."""
    return identity.identify(account_id, authorization) if authorization else None


def _admit(
    tracking: TrackingCode,
    reads: repository.StartReads,
    verified: identity.VerifiedToken | None,
    authorization: str | None,
) -> str | None:
    """RAGE's (and A2's) refusals in their order; the identified username, if any."""
    if reads.account is None or not reads.account.active:
        raise NotFound(NOT_AVAILABLE)
    if verified is not None and revocations.revoked_by(verified, reads.revocations):
        # refused the way A2 refused it, before the collector saw the request
        logger.info("revoked JWT refused")
        raise Unauthenticated(SESSION_REVOKED, fields=SESSION_REVOKED_FIELDS)
    username = verified.username if verified is not None else None
    if not tracking.open:
        raise PreconditionFailed(NOT_STARTED)
    if not tracking.admits(username):
        raise Unauthenticated(NOT_AUTHORIZED_JOIN)
    if authorization and username is None:
        raise BadRequest(BAD_AUTHORIZATION)
    return username


def _new_player(account_id: str, player_type: PlayerType, player_id: str, now: datetime) -> Player:
    return Player(
        account_id=account_id,
        player_id=player_id,
        type=player_type,
        animal_name=animal_name(),
        created_at=now,
    )


def _player(
    account_id: str,
    username: str | None,
    wanted: tuple[PlayerType, str] | None,
    found: Player | None,
    now: datetime,
) -> Player:
    """The player this start is for: the one read, or a new one (identified on its first start, or a
    new anonymous player: an unguessable id is all a resuming client presents)."""
    if found is not None:
        return found
    if username is not None:
        return _new_player(account_id, PlayerType.IDENTIFIED, username, now)
    if wanted is not None:
        raise NotFound(no_anonymous_player(wanted[1]))
    return _new_player(account_id, PlayerType.ANONYMOUS, secrets.token_hex(16), now)


def _next_count(reads: repository.StartReads, now: datetime) -> SessionCount:
    """The counter after this start. Counters left by a deleted player do not count for a new one."""
    if reads.counter is None or reads.player is None:
        return SessionCount(session=1, gameplay_id=uuid.uuid4().hex, first_session_started=now)
    return reads.counter._replace(session=reads.counter.session + 1)


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
    Three calls: the code; the account, player, counter and revocations in one read; the player,
    counter and token in one transaction (a lost race with a concurrent start re-reads and retries).
    """
    tracking = _known_code(code)
    verified = _verify(tracking.account_id, authorization)
    revocation_keys = revocations.keys(tracking.account_id, verified) if verified is not None else []
    wanted: tuple[PlayerType, str] | None = None
    if verified is not None:
        wanted = (PlayerType.IDENTIFIED, verified.username)
    elif anonymous is not None:
        wanted = (PlayerType.ANONYMOUS, anonymous.strip())
    for attempt in range(_START_ATTEMPTS):
        reads = repository.read_for_start(
            tracking.account_id,
            tracking.code,
            wanted if wanted is not None and wanted[1] else None,
            revocation_keys,
        )
        username = _admit(tracking, reads, verified, authorization)
        now = utc_now()
        player = _player(tracking.account_id, username, wanted, reads.player, now)
        count = _next_count(reads, now)
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
            repository.commit_start(
                player,
                tracking.code,
                reads,
                count,
                (token_hash(auth_token), session),
                now=now,
                expires_at=_expiry(now),
            )
        except repository.LostStartRace:
            logger.debug("start lost a race for its player's counter", extra={"attempt": attempt + 1})
            continue
        except repository.TokenCollision:
            raise Forbidden(TOKEN_FAILED) from None
        metrics.add_metric(name="CollectorSessionsStarted", unit=MetricUnit.Count, value=1)
        logger.info(
            "collector session started", extra={"tracking_code": tracking.code, "session": count.session}
        )
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
    raise DependencyUnavailable("this player is starting other sessions concurrently; retry")


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
    # The code and the player are read while the statements are built: the round trip is hidden
    # behind that CPU work. Their answers still come first (the module's decision order).
    access = _readers().submit(
        repository.get_code_and_player,
        session.tracking_code,
        session.account_id,
        session.player_type,
        session.player_id,
    )
    try:
        built: _Built | BadRequest = _build(session, authorization, body, home_page)
    except BadRequest as problem:
        built = problem
    tracking, player_exists = access.result()
    if not player_exists:
        logger.info("track for a deleted player ignored", extra={"tracking_code": session.tracking_code})
        return False
    if tracking is None:
        raise NotFound(ACTIVITY_NOT_FOUND)
    if not tracking.admits(session.player_id if session.player_type is PlayerType.IDENTIFIED else None):
        raise Unauthenticated(NOT_AUTHORIZED_TRACK)
    if isinstance(built, BadRequest):
        raise built
    _store(session, built.hashed_token, built.body, built.stored, built.items)
    metrics.add_metric(name="CollectorStatementsStored", unit=MetricUnit.Count, value=len(built.stored))
    return SUCCESS


@functools.cache
def _readers() -> ThreadPoolExecutor:
    """One thread for the track's access read, kept for the environment's life (see put_many's)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="collector-reads")


class _Built(NamedTuple):
    hashed_token: str
    body: list[dict[str, Any]]
    stored: list[StoredStatement]
    items: list[dict[str, Any]]


def _build(session: SessionToken, authorization: str | None, body: Any, home_page: str) -> _Built:
    """The batch's statements as stored, and their items; BadRequest for an invalid or oversize one."""
    batch = validation.check_batch(body)
    now = utc_now()
    authority = _authority(session.account_id, home_page)
    context = session.context()
    hashed = token_hash(raw_token(authorization))
    stored = [
        statements.new_statement(
            session.account_id, s, stored=now, authority=authority, context=context, order=i
        )
        for i, s in enumerate(_with_ids(hashed, batch))
    ]
    for index, one in enumerate(stored):
        if (
            _may_exceed(one)
            and statements_repository.item_size(statements_repository.to_item(one)) > MAX_STATEMENT_BYTES
        ):
            raise BadRequest(
                f"Statement {index} is larger than {MAX_STATEMENT_BYTES} bytes; it cannot be stored"
            )
    return _Built(hashed, batch, stored, statements_repository.items_of(stored))


_ITEM_OVERHEAD_BYTES = 8_000  # generous: a statement item's keys and session context


def _may_exceed(stored: StoredStatement) -> bool:
    """Whether the statement's item could pass MAX_STATEMENT_BYTES (its text is at most 4 bytes per
    character in UTF-8, its filter tags are ASCII): only such an item is measured."""
    tags = sum(len(tag) for tag in stored.tags)
    return 4 * len(stored.text) + tags + _ITEM_OVERHEAD_BYTES > MAX_STATEMENT_BYTES


_RETRY_IDS = uuid.UUID("5b0c1e4e-2f36-4d55-9a56-7c1f1f4a7d21")  # uuid5 namespace of derived ids


def _digest(batch: list[dict[str, Any]]) -> str:
    """Of the batch's content, as the tracker sends it (derived ids, the batch id)."""
    return hashlib.sha256(json.dumps(batch, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _with_ids(hashed_token: str, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every statement with an id: its own UUID, else (none, not a UUID, or one id twice in the batch:
    RAGE kept both, so do we) one derived from the session's token, the batch's content and the
    position. A tracker re-sending a batch it got no answer for re-sends the same ids, so a track that
    failed half-way completes on the retry without duplicates (writes overwrite, events exist once)."""
    digest = ""  # of the whole batch: computed only if a statement needs a derived id
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for index, statement in enumerate(batch):
        own = statement.get("id")
        statement_id = own.lower() if isinstance(own, str) and UUID_RE.match(own) else None
        if statement_id is None or statement_id in taken:
            digest = digest or _digest(batch)
            statement_id = str(uuid.uuid5(_RETRY_IDS, f"{hashed_token}#{digest}#{index}"))
        taken.add(statement_id)
        out.append({**statement, "id": statement_id})
    return out


def _verb(stored: StoredStatement) -> str | None:
    verb = stored.statement.get("verb")
    return verb.get("id") if isinstance(verb, dict) else None


_COMMIT_ATTEMPTS = 3  # rounds of leaving out completion events a re-send finds published already


def _store(
    session: SessionToken,
    hashed_token: str,
    body: list[dict[str, Any]],
    stored: list[StoredStatement],
    items: list[dict[str, Any]],
) -> None:
    """Every statement of the track with its postings and completion events, or nothing visible.

    One TransactWriteItems when it all fits one (a tracker's usual flush). Else a batch: the items go
    out in BatchWriteItem chunks carrying a batch id (`B`), invisible to every read until one last
    transaction creates the batch record with the completion events (docs/collector.md). The batch id
    is derived like the statement ids: a re-send of the same batch writes the same items under the same
    id, so a re-send of a batch that committed (its answer lost) never hides it again."""
    completed = [s for s in stored if _verb(s) == COMPLETED_VERB]
    program = _collector_program(session) if completed else ""
    pending = [_completed_event(session, s, program) for s in completed]
    event_items = 2 * len(pending) + 1 if pending else 0  # each event and its id guard, the counter
    if len(items) + event_items <= statements_repository.TRANSACTION_ITEMS:
        _commit(session, statements_repository.put_entries(items), pending)
        return
    if event_items + 1 > statements_repository.TRANSACTION_ITEMS:
        most = (statements_repository.TRANSACTION_ITEMS - 2) // 2
        raise BadRequest(
            f"A batch of more than one transaction commits at most {most} completed statements; "
            f"this one has {len(completed)}: send them in smaller batches"
        )
    batch = uuid.uuid5(_RETRY_IDS, f"{hashed_token}#{_digest(body)}#batch").hex
    statements_repository.put_many(items, batch=batch)
    _commit(session, [statements_repository.batch_commit_put(session.account_id, batch)], pending, batch)


def _commit(
    session: SessionToken, entries: list[dict[str, Any]], pending: list[NewEvent], batch: str | None = None
) -> None:
    """One transaction of `entries` with the completion events; events a re-send finds published are
    left out (the statements are overwritten with themselves)."""
    try:
        commit_with_events(entries, pending, attempts=_COMMIT_ATTEMPTS)
    except (ExtraItemRejected, statements_repository.WriteRejected):
        # only the batch record has a condition: this batch committed already (a re-send whose first
        # answer was lost), or an LRS writer took its ids over (the tracker sends again)
        if batch is None or not statements_repository.batch_committed(session.account_id, batch):
            raise DependencyUnavailable("the statements were being written concurrently; retry") from None
    except Conflict:
        raise DependencyUnavailable("the statements were being written concurrently; retry") from None


def _collector_program(session: SessionToken) -> str:
    account = tenancy.get_account(session.account_id)
    if account is None:
        raise NotFound(ACTIVITY_NOT_FOUND)
    return account.hub_programs.collector


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
