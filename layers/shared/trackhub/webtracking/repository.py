"""DynamoDB access for web tracking: one table, keys shaped for the access patterns below.

    item       PK                             SK                                  notes
    pathway    ACCOUNT#<account>              PATHWAY#<pathwayId>                 GSI1 by name, below
    activity   PATHWAY#<account>#<pathwayId>  ACTIVITY#<activityId>
    user       ACCOUNT#<account>              USER#<userId>
    email      EMAIL#<account>#<email>        EMAIL                               email unique per account
    webToken   WEBTOKEN#<sha256(token)>       WEBTOKEN                            expiresAt: the TTL attribute
    userToken  USERTOKEN#<sha256(token)>      USERTOKEN
    progress   USER#<account>#<userId>        PROGRESS#<pathwayId>#<activityId>   version: optimistic locking

A pathway's GSI1PK is PATHWAYNAME#<account>#<name casefolded> (GSI1SK PATHWAY#<id>): a push naming a
pathway is one Query, and more than one item back means the name is ambiguous. Emails are casefolded.

A pull or push is: one GetItem of the token, one BatchGetItem of (pathway, activity, user), one
GetItem of the progress, and one write (a conditional Put, or the event store's transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from trackhub.config import webtracking_settings
from trackhub.errors import Conflict, DependencyUnavailable, NotFound
from trackhub.storage.clients import dynamodb_client, dynamodb_resource, table
from trackhub.storage.errors import error_code, is_conditional_failure, unavailable_on_outage
from trackhub.storage.items import iso, query_all, to_attribute_values
from trackhub.webtracking.models import Activity, Pathway, Progress, User, WebTokenGrant
from trackhub.webtracking.tokens import token_hash

_WHAT = "the web tracking table"
_NEW = "attribute_not_exists(PK)"
_BATCH_ROUNDS = 5


class StaleProgress(Exception):
    """Another push changed the progress since it was read: re-read and retry."""


def table_name() -> str:
    return webtracking_settings().WEBTRACKING_TABLE_NAME


def _table() -> Any:
    return table(table_name())


# ------------------------------------------------------------------ keys
def pathway_key(account_id: str, pathway_id: str) -> dict[str, str]:
    return {"PK": f"ACCOUNT#{account_id}", "SK": f"PATHWAY#{pathway_id}"}


def _name_pk(account_id: str, name: str) -> str:
    return f"PATHWAYNAME#{account_id}#{name.casefold()}"


def activity_key(account_id: str, pathway_id: str, activity_id: str) -> dict[str, str]:
    return {"PK": f"PATHWAY#{account_id}#{pathway_id}", "SK": f"ACTIVITY#{activity_id}"}


def user_key(account_id: str, user_id: str) -> dict[str, str]:
    return {"PK": f"ACCOUNT#{account_id}", "SK": f"USER#{user_id}"}


def email_key(account_id: str, email: str) -> dict[str, str]:
    return {"PK": f"EMAIL#{account_id}#{email.casefold()}", "SK": "EMAIL"}


def web_token_key(token: str) -> dict[str, str]:
    return {"PK": f"WEBTOKEN#{token_hash(token)}", "SK": "WEBTOKEN"}


def user_token_key(token: str) -> dict[str, str]:
    return {"PK": f"USERTOKEN#{token_hash(token)}", "SK": "USERTOKEN"}


def progress_key(account_id: str, user_id: str, pathway_id: str, activity_id: str) -> dict[str, str]:
    return {"PK": f"USER#{account_id}#{user_id}", "SK": f"PROGRESS#{pathway_id}#{activity_id}"}


# ------------------------------------------------------------------ item mapping
def _pathway(item: dict[str, Any]) -> Pathway:
    return Pathway(
        account_id=item["accountId"],
        pathway_id=item["pathwayId"],
        name=item["name"],
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def _activity(item: dict[str, Any]) -> Activity:
    return Activity(
        account_id=item["accountId"],
        pathway_id=item["pathwayId"],
        activity_id=item["activityId"],
        name=item["name"],
        url=item["url"],
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def _user(item: dict[str, Any]) -> User:
    return User(
        account_id=item["accountId"],
        user_id=item["userId"],
        email=item["email"],
        firstname=item["firstname"],
        lastname=item["lastname"],
        user_token=item["userToken"],
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def _progress(item: dict[str, Any]) -> Progress:
    return Progress(
        progress=float(item["progress"]),
        complete=int(item["complete"]),
        message=item.get("message", ""),
        data=item.get("data"),
        started=bool(item.get("started", False)),
        version=int(item["version"]),
    )


# ------------------------------------------------------------------ writes shared by the admin routes
def _transact_new(items: Sequence[dict[str, Any]], conflict: str) -> None:
    """Put every item on the condition that it does not exist yet: all or nothing."""
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": table_name(),
                            "Item": to_attribute_values(i),
                            "ConditionExpression": _NEW,
                        }
                    }
                    for i in items
                ]
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise Conflict(conflict) from exc
            raise


def _get(key: dict[str, str]) -> dict[str, Any] | None:
    with unavailable_on_outage(_WHAT):
        item: dict[str, Any] | None = _table().get_item(Key=key, ConsistentRead=True).get("Item")
    return item


def _query(**kwargs: Any) -> list[dict[str, Any]]:
    with unavailable_on_outage(_WHAT):
        return list(query_all(_table().query, **kwargs))


# ------------------------------------------------------------------ pathways
def create_pathway(pathway: Pathway) -> None:
    item = {
        **pathway_key(pathway.account_id, pathway.pathway_id),
        "GSI1PK": _name_pk(pathway.account_id, pathway.name),
        "GSI1SK": f"PATHWAY#{pathway.pathway_id}",
        "accountId": pathway.account_id,
        "pathwayId": pathway.pathway_id,
        "name": pathway.name,
        "createdAt": iso(pathway.created_at),
    }
    _transact_new([item], f"pathway {pathway.pathway_id!r} already exists")


def get_pathway(account_id: str, pathway_id: str) -> Pathway | None:
    item = _get(pathway_key(account_id, pathway_id))
    return _pathway(item) if item else None


def pathways_named(account_id: str, name: str) -> list[Pathway]:
    """The account's pathways named `name`, ignoring case (GSI1: eventually consistent)."""
    items = _query(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(_name_pk(account_id, name)))
    return [_pathway(i) for i in items]


def list_pathways(account_id: str) -> list[Pathway]:
    items = _query(
        KeyConditionExpression=Key("PK").eq(f"ACCOUNT#{account_id}") & Key("SK").begins_with("PATHWAY#")
    )
    return [_pathway(i) for i in items]


# ------------------------------------------------------------------ activities
def create_activity(activity: Activity) -> None:
    """The activity, on the condition that its pathway exists and the id is new in that pathway."""
    item = {
        **activity_key(activity.account_id, activity.pathway_id, activity.activity_id),
        "accountId": activity.account_id,
        "pathwayId": activity.pathway_id,
        "activityId": activity.activity_id,
        "name": activity.name,
        "url": activity.url,
        "createdAt": iso(activity.created_at),
    }
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": table_name(),
                            "Key": to_attribute_values(pathway_key(activity.account_id, activity.pathway_id)),
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": table_name(),
                            "Item": to_attribute_values(item),
                            "ConditionExpression": _NEW,
                        }
                    },
                ]
            )
        except ClientError as exc:
            reasons = _reasons(exc)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise NotFound(f"pathway {activity.pathway_id!r} not found") from exc
            if is_conditional_failure(exc):
                raise Conflict(
                    f"activity_ID {activity.activity_id!r} already exists in pathway {activity.pathway_id!r}"
                ) from exc
            raise


def list_activities(account_id: str, pathway_id: str) -> list[Activity]:
    items = _query(KeyConditionExpression=Key("PK").eq(f"PATHWAY#{account_id}#{pathway_id}"))
    return [_activity(i) for i in items]


# ------------------------------------------------------------------ users
def create_user(user: User) -> None:
    """The user, its email's uniqueness item and its userToken item appear together or not at all."""
    user_item = {
        **user_key(user.account_id, user.user_id),
        "accountId": user.account_id,
        "userId": user.user_id,
        "email": user.email,
        "firstname": user.firstname,
        "lastname": user.lastname,
        # Kept because every pull returns it (see docs/webtracking.md); lookups go by its hash.
        "userToken": user.user_token,
        "createdAt": iso(user.created_at),
    }
    email_item = {
        **email_key(user.account_id, user.email),
        "accountId": user.account_id,
        "userId": user.user_id,
    }
    token_item = {**user_token_key(user.user_token), "accountId": user.account_id, "userId": user.user_id}
    _transact_new([user_item, email_item, token_item], f"a user with email {user.email!r} already exists")


def get_user(account_id: str, user_id: str) -> User | None:
    item = _get(user_key(account_id, user_id))
    return _user(item) if item else None


def user_id_by_email(account_id: str, email: str) -> str | None:
    item = _get(email_key(account_id, email))
    return str(item["userId"]) if item else None


def list_users(account_id: str) -> list[User]:
    items = _query(
        KeyConditionExpression=Key("PK").eq(f"ACCOUNT#{account_id}") & Key("SK").begins_with("USER#")
    )
    return [_user(i) for i in items]


# ------------------------------------------------------------------ tokens
def create_web_token(token: str, grant: WebTokenGrant) -> None:
    item = {
        **web_token_key(token),
        "accountId": grant.account_id,
        "pathwayId": grant.pathway_id,
        "activityId": grant.activity_id,
        "userId": grant.user_id,
        "expiresAt": grant.expires_at,
    }
    _transact_new([item], "webToken collision; retry")


def get_web_token(token: str) -> WebTokenGrant | None:
    """The grant of a webToken, also an expired one that TTL has not deleted yet (callers check)."""
    item = _get(web_token_key(token))
    if not item:
        return None
    return WebTokenGrant(
        account_id=item["accountId"],
        pathway_id=item["pathwayId"],
        activity_id=item["activityId"],
        user_id=item["userId"],
        expires_at=int(item["expiresAt"]),
    )


def get_user_token(token: str) -> tuple[str, str] | None:
    """(accountId, userId) of a userToken."""
    item = _get(user_token_key(token))
    return (str(item["accountId"]), str(item["userId"])) if item else None


# ------------------------------------------------------------------ a target in one read
def get_target_items(
    account_id: str, pathway_id: str, activity_id: str, user_id: str
) -> tuple[Pathway | None, Activity | None, User | None]:
    """Pathway, activity and user in one (strongly consistent) BatchGetItem."""
    pathway, activity, user, _ = get_target_and_progress(account_id, pathway_id, activity_id, user_id)
    return pathway, activity, user


def get_target_and_progress(
    account_id: str, pathway_id: str, activity_id: str, user_id: str
) -> tuple[Pathway | None, Activity | None, User | None, Progress]:
    """Pathway, activity, user and the user's progress on it in one (strongly consistent) BatchGetItem:
    a pull or a push knows all four keys once it knows the target, so one call reads them."""
    keys = {
        "pathway": pathway_key(account_id, pathway_id),
        "activity": activity_key(account_id, pathway_id, activity_id),
        "user": user_key(account_id, user_id),
        "progress": progress_key(account_id, user_id, pathway_id, activity_id),
    }
    pending: list[dict[str, str]] = list(keys.values())
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with unavailable_on_outage(_WHAT):
        for _ in range(_BATCH_ROUNDS):
            response: dict[str, Any] = dict(
                dynamodb_resource().batch_get_item(
                    RequestItems={table_name(): {"Keys": pending, "ConsistentRead": True}}
                )
            )
            for item in response.get("Responses", {}).get(table_name(), []):
                found[(str(item["PK"]), str(item["SK"]))] = item
            pending = list(response.get("UnprocessedKeys", {}).get(table_name(), {}).get("Keys", []))
            if not pending:
                break
        else:
            raise DependencyUnavailable(f"{_WHAT} is temporarily unavailable; retry later")

    def lookup(name: str) -> dict[str, Any] | None:
        return found.get((keys[name]["PK"], keys[name]["SK"]))

    pathway, activity, user, progress = (lookup(name) for name in ("pathway", "activity", "user", "progress"))
    return (
        _pathway(pathway) if pathway else None,
        _activity(activity) if activity else None,
        _user(user) if user else None,
        _progress(progress) if progress else Progress(),
    )


# ------------------------------------------------------------------ progress
def get_progress(account_id: str, user_id: str, pathway_id: str, activity_id: str) -> Progress:
    item = _get(progress_key(account_id, user_id, pathway_id, activity_id))
    return _progress(item) if item else Progress()


def progress_put(
    account_id: str,
    user_id: str,
    pathway_id: str,
    activity_id: str,
    state: Progress,
    previous_version: int,
    updated_at: datetime,
) -> dict[str, Any]:
    """A TransactWriteItems Put of `state`, valid only if the stored version is still `previous_version`."""
    item: dict[str, Any] = {
        **progress_key(account_id, user_id, pathway_id, activity_id),
        "accountId": account_id,
        "userId": user_id,
        "pathwayId": pathway_id,
        "activityId": activity_id,
        "progress": Decimal(repr(state.progress)),
        "complete": state.complete,
        "message": state.message,
        "started": state.started,
        "version": state.version,
        "updatedAt": iso(updated_at),
    }
    if state.data is not None:
        item["data"] = state.data
    put: dict[str, Any] = {"TableName": table_name(), "Item": to_attribute_values(item)}
    if previous_version:
        put["ConditionExpression"] = "#v = :v"
        put["ExpressionAttributeNames"] = {"#v": "version"}
        put["ExpressionAttributeValues"] = to_attribute_values({":v": previous_version})
    else:
        put["ConditionExpression"] = _NEW
    return {"Put": put}


def write_progress(entry: dict[str, Any]) -> None:
    """Apply a progress_put entry on its own (no event). Raises StaleProgress when its condition fails."""
    with unavailable_on_outage(_WHAT):
        try:
            dynamodb_client().put_item(**entry["Put"])
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise StaleProgress from exc
            raise


def _reasons(exc: ClientError) -> list[str]:
    response: dict[str, Any] = dict(exc.response)
    return [str(reason.get("Code") or "None") for reason in response.get("CancellationReasons") or []]
