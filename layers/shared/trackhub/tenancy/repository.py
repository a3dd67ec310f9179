"""DynamoDB access for tenancy: one table, keys shaped for the access patterns below.

    item           PK                    SK                      GSI1PK                 GSI1SK
    account        ACCOUNT#<accountId>   ACCOUNT                 ACCOUNTS               <accountId>
    api key        KEY#<userId>          KEY                     ACCOUNT#<accountId>    KEY#<userId>
    program        PROGRAM#<programId>   PROGRAM                 ACCOUNT#<accountId>    PROGRAM#<programId>
    subscription   PROGRAM#<publisher>   SUBSCRIBER#<subscriber> SUBSCRIBER#<subscriber> PUBLISHER#<publisher>

Authenticating is one GetItem (KEY#); authorizing a read of a program is one Query (PROGRAM#<id>
returns the program and all its subscribers together).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from trackhub.config import tenancy_settings
from trackhub.errors import Conflict, DependencyUnavailable, NotFound
from trackhub.storage.clients import dynamodb_client, table
from trackhub.storage.errors import (
    cancellation_codes,
    error_code,
    is_conditional_failure,
    unavailable_on_outage,
)
from trackhub.storage.items import iso, query_all, to_attribute_values
from trackhub.storage.writes import put_new
from trackhub.tenancy.models import Account, ApiKey, HubPrograms, Program, Status, Subscription

_WHAT = "the tenancy table"
_NEW = "attribute_not_exists(PK)"


def _table() -> Any:
    return table(tenancy_settings().TENANCY_TABLE_NAME)


# ------------------------------------------------------------------ item mapping
def _account_item(account: Account) -> dict[str, Any]:
    return {
        "PK": f"ACCOUNT#{account.account_id}",
        "SK": "ACCOUNT",
        "GSI1PK": "ACCOUNTS",
        "GSI1SK": account.account_id,
        "accountId": account.account_id,
        "name": account.name,
        "status": account.status.value,
        "createdAt": iso(account.created_at),
        "hubPrograms": account.hub_programs._asdict(),
    }


def _account(item: dict[str, Any]) -> Account:
    return Account(
        account_id=item["accountId"],
        name=item["name"],
        status=Status(item["status"]),
        created_at=datetime.fromisoformat(item["createdAt"]),
        hub_programs=HubPrograms(
            webtracking=item["hubPrograms"]["webtracking"], collector=item["hubPrograms"]["collector"]
        ),
    )


def _key_item(key: ApiKey) -> dict[str, Any]:
    return {
        "PK": f"KEY#{key.user_id}",
        "SK": "KEY",
        "GSI1PK": f"ACCOUNT#{key.account_id}",
        "GSI1SK": f"KEY#{key.user_id}",
        "userId": key.user_id,
        "accountId": key.account_id,
        "scopes": list(key.scopes),
        "description": key.description,
        "status": key.status.value,
        "createdAt": iso(key.created_at),
        "secretHash": key.secret_hash,
    }


def _key(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        user_id=item["userId"],
        account_id=item["accountId"],
        scopes=tuple(item.get("scopes", [])),
        description=item.get("description", ""),
        status=Status(item["status"]),
        created_at=datetime.fromisoformat(item["createdAt"]),
        secret_hash=item["secretHash"],
    )


def _program_item(program: Program) -> dict[str, Any]:
    return {
        "PK": f"PROGRAM#{program.program_id}",
        "SK": "PROGRAM",
        "GSI1PK": f"ACCOUNT#{program.account_id}",
        "GSI1SK": f"PROGRAM#{program.program_id}",
        "programId": program.program_id,
        "accountId": program.account_id,
        "name": program.name,
        "status": program.status.value,
        "hubOwned": program.hub_owned,
        "createdAt": iso(program.created_at),
    }


def _program(item: dict[str, Any]) -> Program:
    return Program(
        program_id=item["programId"],
        account_id=item["accountId"],
        name=item["name"],
        status=Status(item["status"]),
        hub_owned=bool(item.get("hubOwned", False)),
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def _subscription_item(sub: Subscription) -> dict[str, Any]:
    return {
        "PK": f"PROGRAM#{sub.publisher_program_id}",
        "SK": f"SUBSCRIBER#{sub.program_id}",
        "GSI1PK": f"SUBSCRIBER#{sub.program_id}",
        "GSI1SK": f"PUBLISHER#{sub.publisher_program_id}",
        "programId": sub.program_id,
        "publisherProgramId": sub.publisher_program_id,
        "subscriberAccountId": sub.subscriber_account_id,
        "createdAt": iso(sub.created_at),
    }


def _subscription(item: dict[str, Any]) -> Subscription:
    return Subscription(
        program_id=item["programId"],
        publisher_program_id=item["publisherProgramId"],
        subscriber_account_id=item["subscriberAccountId"],
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def _put_new(item: dict[str, Any], conflict: str) -> None:
    with unavailable_on_outage(_WHAT):
        if not put_new(_table(), item):  # our own retried put is not a conflict (storage.writes)
            raise Conflict(conflict)


def _get(pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
    with unavailable_on_outage(_WHAT):
        item: dict[str, Any] | None = (
            _table().get_item(Key={"PK": pk, "SK": sk}, ConsistentRead=consistent).get("Item")
        )
    return item


def _by_account(account_id: str, prefix: str) -> list[dict[str, Any]]:
    with unavailable_on_outage(_WHAT):
        return list(
            query_all(
                _table().query,
                IndexName="GSI1",
                KeyConditionExpression=Key("GSI1PK").eq(f"ACCOUNT#{account_id}")
                & Key("GSI1SK").begins_with(prefix),
            )
        )


def _set_status(pk: str, sk: str, status: Status, condition: Any, missing: str) -> dict[str, Any]:
    with unavailable_on_outage(_WHAT):
        try:
            attributes: dict[str, Any] = _table().update_item(
                Key={"PK": pk, "SK": sk},
                UpdateExpression="SET #s = :s",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": status.value},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise NotFound(missing) from exc
            raise
    return attributes


_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


def _revocation(key: dict[str, str], condition: str, account_id: str | None = None) -> dict[str, Any]:
    """A TransactWriteItems entry setting status = revoked on `key` when `condition` holds."""
    values: dict[str, Any] = {":s": Status.REVOKED.value}
    if account_id is not None:
        values[":account"] = account_id
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_attribute_values(key),
            "UpdateExpression": "SET #s = :s",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": to_attribute_values(values),
        }
    }


def _transact_revocation(entries: list[dict[str, Any]], missing: str) -> None:
    """Commit a revocation whose first entry is the revoked item itself (NotFound when it is not there)."""
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(TransactItems=entries)  # type: ignore[arg-type]
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise NotFound(missing) from exc
            if "TransactionConflict" in codes or error_code(exc) == "TransactionConflictException":
                raise DependencyUnavailable("this item is being changed concurrently; retry") from exc
            raise


# ------------------------------------------------------------------ accounts
def create_account(account: Account, hub_programs: Iterable[Program]) -> None:
    """The account and its hub programs appear together or not at all."""
    puts = [_account_item(account), *(_program_item(p) for p in hub_programs)]
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": tenancy_settings().TENANCY_TABLE_NAME,
                            "Item": to_attribute_values(item),
                            "ConditionExpression": _NEW,
                        }
                    }
                    for item in puts
                ]
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise Conflict(
                    f"account {account.account_id!r} or one of its hub programs already exists"
                ) from exc
            raise


def get_account(account_id: str) -> Account | None:
    item = _get(f"ACCOUNT#{account_id}", "ACCOUNT", consistent=True)
    return _account(item) if item else None


def account_key(account_id: str) -> dict[str, str]:
    return {"PK": f"ACCOUNT#{account_id}", "SK": "ACCOUNT"}


def account_from_item(item: dict[str, Any]) -> Account:
    """An account item read elsewhere (e.g. in one BatchGetItem with a collector start's items)."""
    return _account(item)


def list_accounts() -> list[Account]:
    with unavailable_on_outage(_WHAT):
        items = query_all(
            _table().query, IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("ACCOUNTS")
        )
        return [_account(item) for item in items]


def revoke_account(account: Account, keys: Sequence[ApiKey]) -> Account:
    """The account (as read) and its active `keys` revoked in one transaction: an interrupted
    revocation never leaves the account revoked with keys that still authenticate. Keys beyond one
    transaction's room are revoked first (the safe direction; the admin's retry finishes the rest)."""
    account_id = account.account_id
    active = [k for k in keys if k.active and k.account_id == account_id]
    surplus = active[: max(0, len(active) - (_TRANSACTION_ITEMS - 1))]
    for key in surplus:
        revoke_key(account_id, key.user_id)
    entries = [_revocation({"PK": f"ACCOUNT#{account_id}", "SK": "ACCOUNT"}, "attribute_exists(PK)")]
    entries += [
        _revocation({"PK": f"KEY#{k.user_id}", "SK": "KEY"}, "accountId = :account", account_id)
        for k in active[len(surplus) :]
    ]
    _transact_revocation(entries, f"account {account_id!r} not found")
    return account._replace(status=Status.REVOKED)


# ------------------------------------------------------------------ API keys
def create_key(key: ApiKey) -> None:
    _put_new(_key_item(key), f"key {key.user_id!r} already exists")


def get_key(user_id: str) -> ApiKey | None:
    # Strongly consistent: a revoked key must stop working at once.
    item = _get(f"KEY#{user_id}", "KEY", consistent=True)
    return _key(item) if item else None


def list_keys(account_id: str) -> list[ApiKey]:
    return [_key(item) for item in _by_account(account_id, "KEY#")]


def revoke_key(account_id: str, user_id: str) -> ApiKey:
    item = _set_status(
        f"KEY#{user_id}",
        "KEY",
        Status.REVOKED,
        Attr("accountId").eq(account_id),
        f"key {user_id!r} not found in account {account_id!r}",
    )
    return _key(item)


# ------------------------------------------------------------------ programs
def create_program(program: Program) -> None:
    _put_new(_program_item(program), f"program {program.program_id!r} already exists")


def program_key(program_id: str) -> dict[str, str]:
    return {"PK": f"PROGRAM#{program_id}", "SK": "PROGRAM"}


def program_from_item(item: dict[str, Any]) -> Program:
    """A program item read elsewhere (e.g. in one BatchGetItem with the feed counter)."""
    return _program(item)


def table_name() -> str:
    return tenancy_settings().TENANCY_TABLE_NAME


def get_program(program_id: str) -> Program | None:
    item = _get(f"PROGRAM#{program_id}", "PROGRAM")
    return _program(item) if item else None


def program_with_subscriptions(program_id: str) -> tuple[Program | None, list[Subscription]]:
    """One Query: the program item and every subscription to it share the partition."""
    with unavailable_on_outage(_WHAT):
        items = list(query_all(_table().query, KeyConditionExpression=Key("PK").eq(f"PROGRAM#{program_id}")))
    program = next((_program(i) for i in items if i["SK"] == "PROGRAM"), None)
    return program, [_subscription(i) for i in items if i["SK"].startswith("SUBSCRIBER#")]


def list_programs(account_id: str) -> list[Program]:
    return [_program(item) for item in _by_account(account_id, "PROGRAM#")]


def revoke_program(account_id: str, program_id: str) -> Program:
    """The program revoked and every subscription to or by it deleted, in one transaction (those
    beyond one transaction's room are deleted first; the admin's retry finishes the rest)."""
    missing = f"program {program_id!r} not found in account {account_id!r}"
    program, subscribers = program_with_subscriptions(program_id)
    if program is None or program.account_id != account_id:
        raise NotFound(missing)
    links = [{"PK": f"PROGRAM#{program_id}", "SK": f"SUBSCRIBER#{s.program_id}"} for s in subscribers]
    links += [
        {"PK": f"PROGRAM#{s.publisher_program_id}", "SK": f"SUBSCRIBER#{program_id}"}
        for s in subscriptions_of(program_id)
    ]
    surplus = links[: max(0, len(links) - (_TRANSACTION_ITEMS - 1))]
    if surplus:
        with unavailable_on_outage(_WHAT), _table().batch_writer() as batch:
            for key in surplus:
                batch.delete_item(Key=key)
    entries = [
        _revocation({"PK": f"PROGRAM#{program_id}", "SK": "PROGRAM"}, "accountId = :account", account_id)
    ]
    entries += [
        {"Delete": {"TableName": table_name(), "Key": to_attribute_values(k)}} for k in links[len(surplus) :]
    ]
    _transact_revocation(entries, missing)
    return program._replace(status=Status.REVOKED)


# ------------------------------------------------------------------ subscriptions
def create_subscription(sub: Subscription) -> None:
    _put_new(
        _subscription_item(sub),
        f"program {sub.program_id!r} is already subscribed to {sub.publisher_program_id!r}",
    )


def subscriptions_of(subscriber_program_id: str) -> list[Subscription]:
    with unavailable_on_outage(_WHAT):
        items = query_all(
            _table().query,
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(f"SUBSCRIBER#{subscriber_program_id}"),
        )
        return [_subscription(item) for item in items]


def delete_subscription(program_id: str, publisher_program_id: str) -> None:
    with unavailable_on_outage(_WHAT):
        try:
            _table().delete_item(
                Key={"PK": f"PROGRAM#{publisher_program_id}", "SK": f"SUBSCRIBER#{program_id}"},
                ConditionExpression=Attr("PK").exists(),
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise NotFound(
                    f"program {program_id!r} is not subscribed to {publisher_program_id!r}"
                ) from exc
            raise
