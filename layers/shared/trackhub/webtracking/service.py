"""Web tracking rules: provisioning (admin), and the Falkor pull and push for a platform's key.

Every lookup is scoped to the caller's account: a token, pathway or user of another account is
simply not found. A push validates everything before it writes, and a state change that is a
transition (started, completed, reopened) commits in the same transaction as its event.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.auth.authorize import require_part
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.config import webtracking_settings
from trackhub.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound
from trackhub.events.errors import ExtraItemRejected
from trackhub.observability import logger, metrics
from trackhub.storage.items import utc_now
from trackhub.tenancy import service as tenancy_service
from trackhub.tenancy.models import hub_programs_of
from trackhub.webtracking import repository
from trackhub.webtracking.models import (
    ACTIVITY_ID_PATTERN,
    PATHWAY_ID_PATTERN,
    Activity,
    Launch,
    Pathway,
    Progress,
    PushChange,
    Target,
    User,
    WebTokenGrant,
)
from trackhub.webtracking.tokens import launch_url, new_id, new_token

if TYPE_CHECKING:
    from trackhub.events.models import NewEvent

clock: Callable[[], datetime] = utc_now  # replaced in tests

STARTED, COMPLETED, REOPENED = "AI_STARTED", "AI_COMP_SUCCESS", "AI_REOPENED"
_ID_ATTEMPTS = 3
ACTIVITY_ID_RE = re.compile(ACTIVITY_ID_PATTERN)
PATHWAY_ID_RE = re.compile(PATHWAY_ID_PATTERN)


# ------------------------------------------------------------------ admin: provisioning
def create_pathway(account_id: str, pathway_id: str | None, name: str) -> Pathway:
    """A pathway; its ID is generated (PW-XXXX-XXXX) when not given."""
    tenancy_service.active_account(account_id)
    attempts = 1 if pathway_id else _ID_ATTEMPTS  # a generated id that is taken is drawn again
    for _ in range(attempts):
        pathway = Pathway(
            account_id=account_id, pathway_id=pathway_id or new_id("PW"), name=name, created_at=clock()
        )
        try:
            repository.create_pathway(pathway)
        except Conflict:
            continue
        return pathway
    raise Conflict(f"pathway {pathway_id!r} already exists" if pathway_id else "no free pathway ID; retry")


def list_pathways(account_id: str) -> list[Pathway]:
    tenancy_service.existing_account(account_id)
    return repository.list_pathways(account_id)


def create_activity(account_id: str, pathway_id: str, activity_id: str, name: str, url: str) -> Activity:
    tenancy_service.active_account(account_id)
    activity = Activity(
        account_id=account_id,
        pathway_id=pathway_id,
        activity_id=activity_id,
        name=name,
        url=url,
        created_at=clock(),
    )
    repository.create_activity(activity)
    return activity


def list_activities(account_id: str, pathway_id: str) -> list[Activity]:
    tenancy_service.existing_account(account_id)
    if repository.get_pathway(account_id, pathway_id) is None:
        raise NotFound(f"pathway {pathway_id!r} not found")
    return repository.list_activities(account_id, pathway_id)


def create_user(account_id: str, email: str, firstname: str, lastname: str) -> User:
    """A user with a stable, unguessable userToken; the email is unique within the account."""
    tenancy_service.active_account(account_id)
    user = User(
        account_id=account_id,
        user_id=new_id("US"),
        email=email,
        firstname=firstname,
        lastname=lastname,
        user_token=new_token(),
        created_at=clock(),
    )
    repository.create_user(user)
    return user


def list_users(account_id: str) -> list[User]:
    tenancy_service.existing_account(account_id)
    return repository.list_users(account_id)


def launch(
    account_id: str,
    pathway_id: str,
    activity_id: str,
    *,
    user_id: str | None = None,
    email: str | None = None,
    ttl_seconds: int | None = None,
) -> Launch:
    """Enrol a user on an activity: a new webToken bound to (account, pathway, activity, user)."""
    tenancy_service.active_account(account_id)
    if user_id is None and email is not None:
        user_id = repository.user_id_by_email(account_id, email)
        if user_id is None:
            raise NotFound(f"email: no user with email {email!r}")
    if user_id is None:
        raise InvalidInput("userId or email: give one of them")
    pathway, activity, user = repository.get_target_items(account_id, pathway_id, activity_id, user_id)
    if pathway is None:
        raise NotFound(f"pathwayId: pathway {pathway_id!r} not found")
    if activity is None:
        raise NotFound(f"activityId: activity {activity_id!r} not found in pathway {pathway_id!r}")
    if user is None:
        raise NotFound(f"userId: user {user_id!r} not found")
    lifetime = ttl_seconds or webtracking_settings().WEBTOKEN_TTL_SECONDS
    # Rounded up to whole seconds (the TTL attribute's unit): the token lives at least `lifetime`.
    expires_at = math.ceil((clock() + timedelta(seconds=lifetime)).timestamp())
    token = new_token()
    grant = WebTokenGrant(
        account_id=account_id,
        pathway_id=pathway_id,
        activity_id=activity_id,
        user_id=user.user_id,
        expires_at=expires_at,
    )
    repository.create_web_token(token, grant)
    return Launch(
        web_token=token,
        launch_url=launch_url(activity.url, token),
        user_token=user.user_token,
        expires_at=datetime.fromtimestamp(expires_at, UTC),
    )


# ------------------------------------------------------------------ Falkor: resolving what a call is about
class ByWebToken(NamedTuple):
    web_token: str


class ByUserToken(NamedTuple):
    user_token: str
    pathway: str  # its ID or its name (case-insensitive)
    activity_id: str


Identification = ByWebToken | ByUserToken


def _web_token_target(account_id: str, web_token: str) -> tuple[Target, Progress]:
    grant = repository.get_web_token(web_token)
    # TTL deletes lazily (up to days late): the expiry is checked here too.
    if grant is None or grant.account_id != account_id or grant.expires_at <= clock().timestamp():
        raise NotFound("webToken: unknown or expired webToken")
    pathway, activity, user, progress = repository.get_target_and_progress(
        account_id, grant.pathway_id, grant.activity_id, grant.user_id
    )
    if pathway is None or activity is None or user is None:
        raise NotFound("webToken: unknown or expired webToken")
    return Target(account_id=account_id, pathway=pathway, activity=activity, user=user), progress


def _pathway_by_id_or_name(account_id: str, value: str) -> Pathway:
    """An exact ID wins; otherwise the one pathway whose name matches ignoring case."""
    by_id = repository.get_pathway(account_id, value) if PATHWAY_ID_RE.match(value) else None
    if by_id is not None:
        return by_id
    named = repository.pathways_named(account_id, value)
    if not named:
        raise NotFound(f"pathway: no pathway with ID or name {value!r}")
    if len(named) > 1:
        ids = ", ".join(sorted(p.pathway_id for p in named))
        raise Conflict(f"pathway: {len(named)} pathways are named {value!r} ({ids}); send its ID instead")
    return named[0]


def _user_token_target(account_id: str, ident: ByUserToken) -> tuple[Target, Progress]:
    owner = repository.get_user_token(ident.user_token)
    if owner is None or owner[0] != account_id:
        raise NotFound("userToken: unknown userToken")
    pathway = _pathway_by_id_or_name(account_id, ident.pathway)
    unknown = NotFound(f"activity_ID: no activity {ident.activity_id!r} in pathway {pathway.pathway_id!r}")
    if not ACTIVITY_ID_RE.match(ident.activity_id):  # could not have been created: no lookup needed
        raise unknown
    _, activity, user, progress = repository.get_target_and_progress(
        account_id, pathway.pathway_id, ident.activity_id, owner[1]
    )
    if activity is None:
        raise unknown
    if user is None:
        raise NotFound("userToken: unknown userToken")
    return Target(account_id=account_id, pathway=pathway, activity=activity, user=user), progress


def _target(principal: Principal, ident: Identification) -> tuple[Target, Progress]:
    """The target and its current progress, read together."""
    require_part(principal, Part.WEBTRACKING)
    if isinstance(ident, ByWebToken):
        return _web_token_target(principal.account_id, ident.web_token)
    return _user_token_target(principal.account_id, ident)


def _progress_of(target: Target) -> Progress:
    return repository.get_progress(
        target.account_id, target.user.user_id, target.pathway.pathway_id, target.activity.activity_id
    )


# ------------------------------------------------------------------ Falkor: pull
def pull(principal: Principal, web_token: str) -> tuple[Target, Progress]:
    return _target(principal, ByWebToken(web_token))


# ------------------------------------------------------------------ Falkor: push
def plan(current: Progress, change: PushChange) -> list[tuple[str | None, Progress]]:
    """The states a push moves through, each with the event committed with it (None: no event).

    Empty when nothing changes (a re-sent push), so a retry never emits a second event. A push that
    both starts and completes is two steps (started, then completed): their events, in that order,
    and the last step's state commit in one transaction (`_commit`), all or nothing.
    """
    final = current._replace(
        progress=current.progress if change.progress is None else change.progress,
        complete=current.complete if change.complete is None else change.complete,
        message=current.message if change.message is None else change.message,
        data=current.data if change.data is None else change.data,
    )
    fields = ("progress", "complete", "message", "data")
    if all(getattr(final, f) == getattr(current, f) for f in fields):
        return []
    steps: list[tuple[str | None, Progress]] = []
    version = current.version
    starts = not current.started and (final.progress > 0 or final.complete == 1)
    if starts:
        version += 1
        steps.append(
            (
                STARTED,
                final._replace(complete=current.complete, started=True, version=version),
            )
        )
    if final.complete != current.complete:
        version += 1
        event_type = COMPLETED if final.complete == 1 else REOPENED
        steps.append((event_type, final._replace(started=current.started or starts, version=version)))
    if not steps:
        steps.append((None, final._replace(version=version + 1)))
    return steps


def _event(target: Target, event_type: str, state: Progress, now: datetime) -> NewEvent:
    # The event store is imported by the pushes that publish, not by the admin and pull functions
    # sharing this module: its models and repository are a measured part of their cold start.
    from trackhub.events.models import NewEvent

    pathway, activity, user = target.pathway, target.activity, target.user
    return NewEvent(
        event_type=event_type,
        publisher_program_id=hub_programs_of(target.account_id).webtracking,
        publisher_event_id=f"WT:{pathway.pathway_id}:{activity.activity_id}:{user.user_id}:{state.version}",
        publisher_participant_id=user.email,
        publisher_event_data={
            "pathway": {"ID": pathway.pathway_id, "name": pathway.name},
            "activity": {"ID": activity.activity_id, "name": activity.name},
            "user": {"userId": user.user_id, "email": user.email},
            "progress": state.progress,
            "complete": state.complete,
            "message": state.message,
        },
        event_start_utc=now,
    )


def _commit(target: Target, steps: list[tuple[str | None, Progress]], version: int) -> None:
    """The final state, conditional on the version read, and every transition's event: one transaction
    (a push that starts and completes commits both events or neither)."""
    now = clock()
    final = steps[-1][1]
    entry = repository.progress_put(
        target.account_id,
        target.user.user_id,
        target.pathway.pathway_id,
        target.activity.activity_id,
        final,
        version,
        now,
    )
    transitions = [_event(target, event_type, state, now) for event_type, state in steps if event_type]
    if not transitions:
        repository.write_progress(entry)
        return
    from trackhub.events import service as events  # see _event

    events.publish_all(transitions, extra_transact_items=[entry])
    metrics.add_metric(name="WebTrackingTransitions", unit=MetricUnit.Count, value=len(transitions))


def push(principal: Principal, ident: Identification, change: PushChange) -> Progress:
    """Apply `change` (fields left None keep their value); return the state now stored."""
    target, current = _target(principal, ident)
    attempts = webtracking_settings().WEBTRACKING_PUSH_MAX_ATTEMPTS
    for attempt in range(attempts):
        if attempt:  # lost a race: the stored progress moved on since it was read
            current = _progress_of(target)
        steps = plan(current, change)
        if not steps:  # accepted, nothing to change: still a push on the operations dashboard
            metrics.add_metric(name="WebTrackingPushes", unit=MetricUnit.Count, value=1)
            return current
        try:
            _commit(target, steps, current.version)
        except (repository.StaleProgress, ExtraItemRejected):
            logger.debug("push lost a race for the progress item", extra={"attempt": attempt + 1})
            continue
        metrics.add_metric(name="WebTrackingPushes", unit=MetricUnit.Count, value=1)
        return steps[-1][1]
    raise DependencyUnavailable("this activity's progress is being changed concurrently; retry")
