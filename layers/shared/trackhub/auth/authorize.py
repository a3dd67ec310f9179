"""The one authorization path: every function authenticates and checks rights through here.

401 (with WWW-Authenticate) when credentials are missing or wrong; 403 when they are valid but
lack the right. Failures never say which of userId or apiKey was wrong.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from trackhub.auth.credentials import USER_ID_PATTERN, parse_basic, secret_matches
from trackhub.auth.principal import Principal
from trackhub.auth.scopes import Part
from trackhub.errors import Forbidden, Unauthenticated
from trackhub.observability import metrics
from trackhub.tenancy import repository
from trackhub.tenancy.models import Program

_BAD_CREDENTIALS = "Invalid credentials: unknown userId, wrong apiKey, or revoked key"


def authenticate(authorization: str | None) -> Principal:
    credentials = parse_basic(authorization)
    key = repository.get_key(credentials.user_id) if USER_ID_PATTERN.match(credentials.user_id) else None
    matched = secret_matches(credentials.api_key, key.secret_hash if key else None)
    if key is None or not matched or not key.active:
        metrics.add_metric(name="AuthenticationFailed", unit=MetricUnit.Count, value=1)
        raise Unauthenticated(_BAD_CREDENTIALS)
    return Principal(user_id=key.user_id, account_id=key.account_id, scopes=frozenset(key.scopes))


def require_part(principal: Principal, part: Part) -> None:
    if not principal.has_part(part):
        raise Forbidden(f"this key has no {part.value!r} scope")


def require_publish(principal: Principal, program_id: str) -> Program:
    return check_publish(principal, program_id, repository.get_program(program_id))


def check_publish(principal: Principal, program_id: str, program: Program | None) -> Program:
    """require_publish for a program the caller has read itself (batched with other reads)."""
    if program is None or not principal.may_publish(program):
        raise Forbidden(f"this key may not publish to program {program_id!r}")
    return program


def require_read(principal: Principal, program_id: str) -> Program:
    program, subscriptions = repository.program_with_subscriptions(program_id)
    if program is None or not principal.may_read(program, subscriptions):
        raise Forbidden(f"this key may not read program {program_id!r}")
    return program
