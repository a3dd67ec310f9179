"""DynamoDB access for the collector: one table, keys shaped for the calls a session makes.

    item        PK                                   SK             notable attributes
    code        CODE#<trackingCode>                  CODE           accountId, open, allowAnonymous,
                                                                    participants; GSI1 ACCOUNT#<id>
    player      PLAYER#<accountId>#<type>#<playerId> PLAYER         animalName
    sessions    PLAYER#<accountId>#<type>#<playerId> CODE#<code>    sessions (ADD 1), firstSessionStarted
    token       TOKEN#<sha256 of the authToken>      TOKEN          the session; expiresAt (TTL, sliding)

A start is: GetItem code, GetItem/PutItem player, one UpdateItem ADD on the counter (atomic: two
concurrent resumes get two numbers), one conditional PutItem of the token. A track is one
conditional UpdateItem of the token (slides its expiry and returns the session) and one BatchGetItem
of the code and the player (a deleted player's tracks are answered `false`, as RAGE did).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from trackhub.collector.models import Player, PlayerType, SessionCount, SessionToken, TrackingCode
from trackhub.config import collector_settings
from trackhub.errors import Conflict, NotFound
from trackhub.storage.batch import get_many
from trackhub.storage.clients import table
from trackhub.storage.errors import is_conditional_failure, unavailable_on_outage
from trackhub.storage.items import iso, query_all
from trackhub.storage.writes import put_new

_WHAT = "the collector table"
_LIVE = "attribute_exists(PK) AND expiresAt > :epoch AND attribute_not_exists(endedAt)"


class TokenCollision(Exception):
    """The token's key already exists (a generator fault: RAGE answers 403)."""


def _table() -> Any:
    return table(collector_settings().COLLECTOR_TABLE_NAME)


# ------------------------------------------------------------------ tracking codes
def _code_item(code: TrackingCode) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": f"CODE#{code.code}",
        "SK": "CODE",
        "GSI1PK": f"ACCOUNT#{code.account_id}",
        "GSI1SK": f"CODE#{code.code}",
        "trackingCode": code.code,
        "accountId": code.account_id,
        "name": code.name,
        "open": code.open,
        "allowAnonymous": code.allow_anonymous,
        "createdAt": iso(code.created_at),
    }
    if code.participants is not None:
        item["participants"] = list(code.participants)
    return item


def _code(item: dict[str, Any]) -> TrackingCode:
    participants = item.get("participants")
    return TrackingCode(
        code=item["trackingCode"],
        account_id=item["accountId"],
        name=item.get("name", ""),
        open=bool(item["open"]),
        allow_anonymous=bool(item["allowAnonymous"]),
        participants=None if participants is None else tuple(participants),
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def create_code(code: TrackingCode) -> None:
    with unavailable_on_outage(_WHAT):
        if not put_new(_table(), _code_item(code)):  # our own retried put is not a conflict
            raise Conflict(f"trackingCode {code.code!r} already exists")


def get_code(code: str) -> TrackingCode | None:
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key={"PK": f"CODE#{code}", "SK": "CODE"}).get("Item")
    return _code(item) if item else None


def list_codes(account_id: str) -> list[TrackingCode]:
    with unavailable_on_outage(_WHAT):
        items = list(
            query_all(
                _table().query,
                IndexName="GSI1",
                KeyConditionExpression=Key("GSI1PK").eq(f"ACCOUNT#{account_id}")
                & Key("GSI1SK").begins_with("CODE#"),
            )
        )
    return [_code(item) for item in items]


def update_code(account_id: str, code: str, changes: dict[str, Any]) -> TrackingCode:
    """Set `changes` (item attribute names) on an existing code of this account; REMOVE for None."""
    sets = {k: v for k, v in changes.items() if v is not None}
    removes = [k for k, v in changes.items() if v is None]
    # Placeholders of our own: boto3's condition builder would reuse #n0/:v0 and clash with them.
    names = {f"#attr{i}": k for i, k in enumerate(changes)}
    by_name = {k: n for n, k in names.items()}
    expression = ""
    if sets:
        expression += "SET " + ", ".join(f"{by_name[k]} = :set{i}" for i, k in enumerate(sets))
    if removes:
        expression += " REMOVE " + ", ".join(by_name[k] for k in removes)
    with unavailable_on_outage(_WHAT):
        try:
            item = _table().update_item(
                Key={"PK": f"CODE#{code}", "SK": "CODE"},
                UpdateExpression=expression.strip(),
                ConditionExpression="attribute_exists(PK) AND accountId = :account",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":account": account_id,
                    **{f":set{i}": v for i, v in enumerate(sets.values())},
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise NotFound(f"trackingCode {code!r} not found in account {account_id!r}") from exc
            raise
    return _code(item)


# ------------------------------------------------------------------ players and their sessions
def _player_pk(account_id: str, player_type: PlayerType, player_id: str) -> str:
    return f"PLAYER#{account_id}#{player_type.value}#{player_id}"


def get_player(account_id: str, player_type: PlayerType, player_id: str) -> Player | None:
    with unavailable_on_outage(_WHAT):
        item = (
            _table()
            .get_item(
                Key={"PK": _player_pk(account_id, player_type, player_id), "SK": "PLAYER"},
                ConsistentRead=True,
            )
            .get("Item")
        )
    if not item:
        return None
    return Player(
        account_id=account_id,
        player_id=player_id,
        type=player_type,
        animal_name=item["animalName"],
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def create_player(player: Player) -> bool:
    """Insert the player; False when it already exists (a concurrent first start of the same user)."""
    item = {
        "PK": _player_pk(player.account_id, player.type, player.player_id),
        "SK": "PLAYER",
        "playerId": player.player_id,
        "type": player.type.value,
        "animalName": player.animal_name,
        "createdAt": iso(player.created_at),
    }
    with unavailable_on_outage(_WHAT):
        return put_new(_table(), item)  # our own retried put counts as created (storage.writes)


def next_session(player: Player, code: str, now: datetime, gameplay_id: str) -> SessionCount:
    """ADD 1 to the (player, code) counter; the first start also fixes its gameplay id and start time."""
    with unavailable_on_outage(_WHAT):
        item = _table().update_item(
            Key={"PK": _player_pk(player.account_id, player.type, player.player_id), "SK": f"CODE#{code}"},
            UpdateExpression=(
                "ADD sessions :one SET firstSessionStarted = if_not_exists(firstSessionStarted, :now), "
                "gameplayId = if_not_exists(gameplayId, :gid), lastSessionStarted = :now"
            ),
            ExpressionAttributeValues={":one": 1, ":now": iso(now), ":gid": gameplay_id},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    return SessionCount(
        session=int(str(item["sessions"])),
        gameplay_id=str(item["gameplayId"]),
        first_session_started=datetime.fromisoformat(str(item["firstSessionStarted"])),
    )


def delete_player(account_id: str, player_type: PlayerType, player_id: str) -> bool:
    """Delete the player item and its session counters; False when there was no such player."""
    pk = _player_pk(account_id, player_type, player_id)
    with unavailable_on_outage(_WHAT):
        try:
            _table().delete_item(Key={"PK": pk, "SK": "PLAYER"}, ConditionExpression="attribute_exists(PK)")
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        counters = query_all(
            _table().query,
            KeyConditionExpression=Key("PK").eq(pk) & Key("SK").begins_with("CODE#"),
            ProjectionExpression="PK, SK",
        )
        with _table().batch_writer() as batch:  # re-sends unprocessed items itself
            for item in counters:
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
    return True


def get_code_and_player(
    code: str, account_id: str, player_type: PlayerType, player_id: str
) -> tuple[TrackingCode | None, bool]:
    """A track's two reads in one BatchGetItem: the tracking code, and whether the player still exists."""
    code_key = {"PK": f"CODE#{code}", "SK": "CODE"}
    player_key = {"PK": _player_pk(account_id, player_type, player_id), "SK": "PLAYER"}
    found = get_many(collector_settings().COLLECTOR_TABLE_NAME, [code_key, player_key], what=_WHAT)
    tracking = next((_code(i) for i in found if i["SK"] == "CODE"), None)
    return tracking, any(i["SK"] == "PLAYER" for i in found)


# ------------------------------------------------------------------ auth tokens
def _token_key(token_hash: str) -> dict[str, str]:
    return {"PK": f"TOKEN#{token_hash}", "SK": "TOKEN"}


def _session_token(item: dict[str, Any]) -> SessionToken:
    return SessionToken(
        account_id=item["accountId"],
        tracking_code=item["trackingCode"],
        player_id=item["playerId"],
        player_type=PlayerType(item["playerType"]),
        session=int(item["session"]),
        gameplay_id=item["gameplayId"],
        first_session_started=item["firstSessionStarted"],
        current_session_started=item["currentSessionStarted"],
    )


def create_token(token_hash: str, token: SessionToken, *, now: datetime, expires_at: int) -> None:
    item = {
        **_token_key(token_hash),
        "accountId": token.account_id,
        "trackingCode": token.tracking_code,
        "playerId": token.player_id,
        "playerType": token.player_type.value,
        "session": token.session,
        "gameplayId": token.gameplay_id,
        "firstSessionStarted": token.first_session_started,
        "currentSessionStarted": token.current_session_started,
        "lastAccessed": iso(now),
        "expiresAt": expires_at,
    }
    with unavailable_on_outage(_WHAT):
        # A put retried after a lost answer finds its own first attempt: not a collision.
        if not put_new(_table(), item):
            raise TokenCollision


def _live_token_update(
    token_hash: str, expression: str, values: dict[str, Any], now_epoch: int
) -> SessionToken | None:
    """Apply `expression` to a token that exists, has not expired and has not ended; None otherwise.

    The explicit expiry check matters: DynamoDB's TTL deletes expired items only eventually.
    """
    with unavailable_on_outage(_WHAT):
        try:
            item = _table().update_item(
                Key=_token_key(token_hash),
                UpdateExpression=expression,
                ConditionExpression=_LIVE,
                ExpressionAttributeValues={**values, ":epoch": now_epoch},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise
    return _session_token(item)


def touch_token(token_hash: str, *, now: datetime, expires_at: int) -> SessionToken | None:
    """A live token's session, its expiry slid to `expires_at`."""
    return _live_token_update(
        token_hash,
        "SET lastAccessed = :now, expiresAt = :exp",
        {":now": iso(now), ":exp": expires_at},
        int(now.timestamp()),
    )


def end_token(token_hash: str, *, now: datetime) -> SessionToken | None:
    """End a live token's session: later tracks with it are refused."""
    return _live_token_update(token_hash, "SET endedAt = :now", {":now": iso(now)}, int(now.timestamp()))
