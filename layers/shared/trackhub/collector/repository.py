"""DynamoDB access for the collector: one table, keys shaped for the calls a session makes.

    item        PK                                   SK             notable attributes
    code        CODE#<trackingCode>                  CODE           accountId, open, allowAnonymous,
                                                                    participants; GSI1 ACCOUNT#<id>
    player      PLAYER#<accountId>#<type>#<playerId> PLAYER         animalName
    sessions    PLAYER#<accountId>#<type>#<playerId> CODE#<code>    sessions, firstSessionStarted
    token       TOKEN#<sha256 of the authToken>      TOKEN          the session; expiresAt (TTL, sliding)

A start is three calls: GetItem code; one BatchGetItem of the account (tenancy table), the player,
its counter on the code and any JWT revocation entries; one TransactWriteItems of the player (created
or checked unchanged), the counter (conditional on the value read: two concurrent resumes get two
numbers) and the token - a failure anywhere leaves nothing behind. A track is one consistent
GetItem of the token (the session; the conditional UpdateItem that slides its expiry only when the
expiry lags by a minute, `touch_token`) and one BatchGetItem of the code and the player (a deleted
player's tracks are answered `false`, as RAGE did).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, NoReturn

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from trackhub.collector.models import Player, PlayerType, SessionCount, SessionToken, TrackingCode
from trackhub.config import collector_settings
from trackhub.errors import Conflict, DependencyUnavailable, NotFound
from trackhub.storage.batch import get_across, get_many
from trackhub.storage.clients import dynamodb_client, table
from trackhub.storage.errors import (
    cancellation_codes,
    error_code,
    is_conditional_failure,
    unavailable_on_outage,
)
from trackhub.storage.items import iso, query_all, to_attribute_values
from trackhub.storage.writes import put_new
from trackhub.tenancy import repository as tenancy
from trackhub.tenancy.models import Account

_WHAT = "the collector table"
_LIVE = "attribute_exists(PK) AND expiresAt > :epoch AND attribute_not_exists(endedAt)"
_ABSENT = "attribute_not_exists(PK)"


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


def _player_key(account_id: str, player_type: PlayerType, player_id: str) -> dict[str, str]:
    return {"PK": _player_pk(account_id, player_type, player_id), "SK": "PLAYER"}


def _counter_key(player: Player, code: str) -> dict[str, str]:
    return {"PK": _player_pk(player.account_id, player.type, player.player_id), "SK": f"CODE#{code}"}


def _player_item(player: Player) -> dict[str, Any]:
    return {
        **_player_key(player.account_id, player.type, player.player_id),
        "playerId": player.player_id,
        "type": player.type.value,
        "animalName": player.animal_name,
        "createdAt": iso(player.created_at),
    }


def _player(account_id: str, player_type: PlayerType, player_id: str, item: dict[str, Any]) -> Player:
    return Player(
        account_id=account_id,
        player_id=player_id,
        type=player_type,
        animal_name=item["animalName"],
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def _count(item: dict[str, Any]) -> SessionCount:
    return SessionCount(
        session=int(str(item["sessions"])),
        gameplay_id=str(item["gameplayId"]),
        first_session_started=datetime.fromisoformat(str(item["firstSessionStarted"])),
    )


class StartReads(NamedTuple):
    """Everything a start decides on, read in one consistent BatchGetItem across two tables."""

    account: Account | None
    player: Player | None  # None: no such player (or none asked for: a new anonymous one)
    counter: SessionCount | None  # the (player, code) counter as read; None: none yet
    revocations: list[dict[str, Any]]  # the entries found among the revocation keys asked for


class LostStartRace(Exception):
    """The player or its session counter changed between a start's read and its transaction."""


def read_for_start(
    account_id: str,
    code: str,
    player: tuple[PlayerType, str] | None,
    revocation_keys: Sequence[dict[str, str]] = (),
) -> StartReads:
    """The account, the player and its counter on `code` (when `player` names one), and the
    revocation entries: one BatchGetItem."""
    collector_keys = list(revocation_keys)
    if player is not None:
        player_type, player_id = player
        collector_keys.append(_player_key(account_id, player_type, player_id))
        collector_keys.append({"PK": _player_pk(account_id, player_type, player_id), "SK": f"CODE#{code}"})
    keys: dict[str, Sequence[dict[str, str]]] = {tenancy.table_name(): [tenancy.account_key(account_id)]}
    if collector_keys:
        keys[collector_settings().COLLECTOR_TABLE_NAME] = collector_keys
    found = get_across(keys, what="the hub's tables")
    accounts = found[tenancy.table_name()]
    items = found.get(collector_settings().COLLECTOR_TABLE_NAME, [])
    player_item = next((i for i in items if i["SK"] == "PLAYER"), None)
    counter_item = next((i for i in items if i["SK"] == f"CODE#{code}"), None)
    return StartReads(
        account=tenancy.account_from_item(accounts[0]) if accounts else None,
        player=_player(account_id, player[0], player[1], player_item) if player and player_item else None,
        counter=_count(counter_item) if counter_item else None,
        revocations=[i for i in items if str(i["PK"]).startswith("JWTREV#")],
    )


def commit_start(
    player: Player,
    code: str,
    read: StartReads,
    count: SessionCount,
    token: tuple[str, SessionToken],
    *,
    now: datetime,
    expires_at: int,
) -> None:
    """One TransactWriteItems: the player (created if it was not read, else checked unchanged), the
    counter moved from the value read to `count.session`, and the new token - all or nothing.

    Raises LostStartRace (re-read and try again) or TokenCollision (the token's key exists)."""
    name = collector_settings().COLLECTOR_TABLE_NAME
    if read.player is None:
        player_entry: dict[str, Any] = {
            "Put": {
                "TableName": name,
                "Item": to_attribute_values(_player_item(player)),
                "ConditionExpression": _ABSENT,
            }
        }
    else:  # an identified player deleted and re-created meanwhile has another animal name
        player_entry = {
            "ConditionCheck": {
                "TableName": name,
                "Key": to_attribute_values(_player_key(player.account_id, player.type, player.player_id)),
                "ConditionExpression": "animalName = :animal",
                "ExpressionAttributeValues": to_attribute_values({":animal": player.animal_name}),
            }
        }
    counter = {
        **_counter_key(player, code),
        "sessions": count.session,
        "gameplayId": count.gameplay_id,
        "firstSessionStarted": iso(count.first_session_started),
        "lastSessionStarted": iso(now),
    }
    # The session number is taken by the condition on the value read: two concurrent starts of one
    # player cannot both commit the same number (the loser re-reads and takes the next one).
    counter_entry: dict[str, Any] = {"Put": {"TableName": name, "Item": to_attribute_values(counter)}}
    if read.counter is None:
        counter_entry["Put"]["ConditionExpression"] = _ABSENT
    else:
        counter_entry["Put"]["ConditionExpression"] = "sessions = :read"
        counter_entry["Put"]["ExpressionAttributeValues"] = to_attribute_values(
            {":read": read.counter.session}
        )
    token_entry = {
        "Put": {
            "TableName": name,
            "Item": to_attribute_values(_token_item(token[0], token[1], now=now, expires_at=expires_at)),
            "ConditionExpression": _ABSENT,
        }
    }
    entries = [player_entry, counter_entry, token_entry]  # _raise_start_failure relies on this order
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(TransactItems=entries)  # type: ignore[arg-type]
        except ClientError as exc:
            _raise_start_failure(exc)


def _raise_start_failure(exc: ClientError) -> NoReturn:
    code = error_code(exc)
    if code == "TransactionConflictException":
        raise LostStartRace from exc
    if code == "TransactionInProgressException":  # botocore retried while the first try was in flight
        raise DependencyUnavailable(f"{_WHAT} is busy with this request; retry") from exc
    reasons = cancellation_codes(exc)
    if reasons[2:3] == ["ConditionalCheckFailed"]:
        raise TokenCollision from exc
    if "ConditionalCheckFailed" in reasons[:2] or "TransactionConflict" in reasons:
        raise LostStartRace from exc
    raise exc


_MAX_TRANSACTION_ITEMS = 100


def delete_player(account_id: str, player_type: PlayerType, player_id: str) -> bool:
    """Delete the player item and its session counters together; False when there was no such player.

    One Query finds them all (they share the partition) and one TransactWriteItems deletes them, so a
    failure leaves the player whole and the admin's retry finds it again. A player with more counters
    than a transaction holds has the surplus deleted first (a start finding counters without their
    player starts afresh at session 1: `read_for_start`'s caller ignores them)."""
    pk = _player_pk(account_id, player_type, player_id)
    with unavailable_on_outage(_WHAT):
        items = list(
            query_all(_table().query, KeyConditionExpression=Key("PK").eq(pk), ProjectionExpression="PK, SK")
        )
        counters = [i for i in items if str(i["SK"]).startswith("CODE#")]
        if not any(i["SK"] == "PLAYER" for i in items):
            return False
        surplus = counters[: max(0, len(counters) - (_MAX_TRANSACTION_ITEMS - 1))]
        if surplus:
            with _table().batch_writer() as batch:  # re-sends unprocessed items itself
                for item in surplus:
                    batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        name = collector_settings().COLLECTOR_TABLE_NAME
        entries: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": name,
                    "Key": to_attribute_values({"PK": pk, "SK": "PLAYER"}),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            }
        ]
        entries += [
            {"Delete": {"TableName": name, "Key": to_attribute_values({"PK": pk, "SK": i["SK"]})}}
            for i in counters[len(surplus) :]
        ]
        try:
            dynamodb_client().transact_write_items(TransactItems=entries)  # type: ignore[arg-type]
        except ClientError as exc:
            if cancellation_codes(exc)[:1] == ["ConditionalCheckFailed"]:
                return False  # deleted meanwhile by another request
            conflict = "TransactionConflict" in cancellation_codes(exc)
            if conflict or error_code(exc) == "TransactionConflictException":
                raise DependencyUnavailable("the player is being changed concurrently; retry") from exc
            raise
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


def _token_item(token_hash: str, token: SessionToken, *, now: datetime, expires_at: int) -> dict[str, Any]:
    return {
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


# A token's sliding expiry is written when it would move by this much or more. A tracker flushes every
# few seconds: writing the expiry on each track cost a write, a stream record the session-events
# filter then discards, and (in the local stack) about a sixth of moto's work per track;
# the expiry a token keeps is at most this much earlier than a per-track slide would give it.
SLIDE_STEP_SECONDS = 60


def touch_token(token_hash: str, *, now: datetime, expires_at: int) -> SessionToken | None:
    """A live token's session, its expiry slid to `expires_at` once it lags by SLIDE_STEP_SECONDS:
    one consistent GetItem, and the conditional UpdateItem only then (docs/performance.md)."""
    epoch = int(now.timestamp())
    with unavailable_on_outage(_WHAT):
        item = _table().get_item(Key=_token_key(token_hash), ConsistentRead=True).get("Item")
    # the read applies _LIVE's test itself (DynamoDB's TTL deletes expired items only eventually)
    if item is None or int(item["expiresAt"]) <= epoch or "endedAt" in item:
        return None
    if expires_at - int(item["expiresAt"]) < SLIDE_STEP_SECONDS:
        return _session_token(item)
    return _live_token_update(
        token_hash, "SET lastAccessed = :now, expiresAt = :exp", {":now": iso(now), ":exp": expires_at}, epoch
    )


def end_token(token_hash: str, *, now: datetime) -> SessionToken | None:
    """End a live token's session: later tracks with it are refused."""
    return _live_token_update(token_hash, "SET endedAt = :now", {":now": iso(now)}, int(now.timestamp()))
