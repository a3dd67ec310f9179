"""`trackhub-admin`: provision accounts, API keys, programs and subscriptions through the admin API.

Exit codes: 0 success, 1 the call failed (API error, no credentials, unreachable), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trackhub_cli.client import AdminClient, AdminError, whoami

PROG = "trackhub-admin"
ENV_ENDPOINT = "TRACKHUB_ADMIN_URL"
ENV_DEMO_FILE = "HUB_DEMO_FILE"
DEFAULT_DEMO_FILE = ".local/demo.json"
ENV_USER_ID = "TRACKHUB_USER_ID"
ENV_API_KEY = "TRACKHUB_API_KEY"

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Call = Callable[[AdminClient, argparse.Namespace], Any]


class UsageError(Exception):
    """Something the caller must pass differently; reported with exit code 2."""


# ------------------------------------------------------------------ endpoint
def resolve_endpoint(flag: str | None, environ: Mapping[str, str] | None = None) -> str:
    """--endpoint, else $TRACKHUB_ADMIN_URL, else baseUrl of the local stack's demo file."""
    env = os.environ if environ is None else environ
    if flag:
        return flag
    if env.get(ENV_ENDPOINT):
        return env[ENV_ENDPOINT]
    demo_file = Path(env.get(ENV_DEMO_FILE) or DEFAULT_DEMO_FILE)
    if demo_file.is_file():
        try:
            base_url = json.loads(demo_file.read_text(encoding="utf-8")).get("baseUrl")
        except (OSError, ValueError, AttributeError) as exc:
            raise UsageError(f"cannot read baseUrl from {demo_file}: {exc}") from exc
        if not isinstance(base_url, str) or not base_url:
            raise UsageError(f"{demo_file} has no baseUrl; pass --endpoint URL")
        return base_url
    raise UsageError(
        f"no endpoint: pass --endpoint URL (the stack output AdminApiUrl or HubApiUrl) or set "
        f"{ENV_ENDPOINT}; for the local stack, start it with `make run`, which writes {DEFAULT_DEMO_FILE}"
    )


# ------------------------------------------------------------------ commands
def _create_key(client: AdminClient, args: argparse.Namespace) -> Any:
    created = client.create_key(args.account, args.scope, args.description)
    print(f"{PROG}: warning: the apiKey is shown only once; store it now.", file=sys.stderr)
    return created


def _revoke_subscription(client: AdminClient, args: argparse.Namespace) -> Any:
    client.revoke_subscription(args.program, args.publisher)
    print(f"{PROG}: {args.program} no longer reads {args.publisher}.", file=sys.stderr)
    return None


def _whoami(client: AdminClient, args: argparse.Namespace) -> Any:
    user_id = args.user_id or os.environ.get(ENV_USER_ID)
    api_key = args.api_key or os.environ.get(ENV_API_KEY)
    if not user_id or not api_key:
        raise UsageError(f"whoami needs --user-id and --api-key (or {ENV_USER_ID} and {ENV_API_KEY})")
    return whoami(client.base_url, user_id, api_key, timeout=client.timeout)


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]
    options: Mapping[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    """One `trackhub-admin <resource> [<verb>]`; a new admin resource is a few rows of COMMANDS."""

    resource: str
    verb: str | None
    help: str
    call: Call
    args: tuple[Arg, ...] = ()
    signed: bool = True  # False: authenticated otherwise (whoami uses an API key)


RESOURCES = {
    "accounts": "tenants of the hub",
    "keys": "API keys (HTTP Basic userId:apiKey)",
    "programs": "event-store programs of an account",
    "subscriptions": "which programs a program may read",
    "pathways": "web tracking pathways of an account",
    "activities": "web activities of a pathway (the API identifier is activity_ID)",
    "users": "web tracking users of an account (each with a userToken)",
    "launches": "enrol a user on a web activity: a launch URL with a webToken",
    "tracking-codes": "collector tracking codes (RAGE start/track) of an account",
    "jwt-settings": "how the collector verifies an account's players' JWTs (Bearer on start)",
    "jwt-revocations": "players' JWTs the collector refuses (A2's 401 for a revoked session)",
    "players": "collector players (anonymous or identified) of an account",
    "webhooks": "webhook deliveries parked in the dead-letter queue after ten attempts",
}
ACCOUNT = arg("--account", required=True, metavar="ACCOUNT_ID")
PATHWAY = arg("--pathway", required=True, metavar="PATHWAY_ID")


def _read_file(path: str | None) -> str | None:
    if path is None:
        return None
    if path == "-":
        return sys.stdin.read().strip()
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def _put_jwt_settings(client: AdminClient, args: argparse.Namespace) -> Any:
    """Secrets and keys come from files (or stdin with '-'): a flag would show in `ps`."""
    settings = {
        "algorithm": args.algorithm,
        "secret": _read_file(args.secret_file),
        "publicKey": _read_file(args.public_key_file),
        "jwksUrl": args.jwks_url,
        "issuer": args.issuer,
        "audience": args.audience,
        "usernameClaim": args.username_claim,
    }
    return client.put_jwt_settings(args.account, {k: v for k, v in settings.items() if v is not None})


def _update_tracking_code(client: AdminClient, args: argparse.Namespace) -> Any:
    return client.update_tracking_code(
        args.account,
        args.tracking_code,
        open=args.open,
        allowAnonymous=args.allow_anonymous,
        participants=args.participant,
        anyParticipant=True if args.any_participant else None,
    )


_BOOL = {"choices": ["true", "false"], "type": str}


def _bool(value: str | None) -> bool | None:
    return None if value is None else value == "true"


COLLECTOR_COMMANDS: tuple[Command, ...] = (
    Command(
        "tracking-codes",
        "create",
        "create a tracking code (open, anonymous players allowed unless told otherwise)",
        lambda c, a: c.create_tracking_code(
            a.account,
            a.name,
            tracking_code=a.code,
            open=not a.closed,
            allow_anonymous=not a.no_anonymous,
            participants=a.participant,
        ),
        (
            ACCOUNT,
            arg("--name", required=True),
            arg("--code", help="4-64 of A-Z, a-z, 0-9, '_', '-' (generated when omitted)"),
            arg("--closed", action="store_true", help="start closed (starts answer 412)"),
            arg("--no-anonymous", action="store_true", help="only identified players (JWT) may start"),
            arg("--participant", action="append", help="repeatable: a username admitted without anonymous"),
        ),
    ),
    Command(
        "tracking-codes",
        "list",
        "list an account's tracking codes",
        lambda c, a: c.list_tracking_codes(a.account),
        (ACCOUNT,),
    ),
    Command(
        "tracking-codes",
        "update",
        "open or close a tracking code, or change who may join",
        lambda c, a: _update_tracking_code(
            c,
            argparse.Namespace(
                account=a.account,
                tracking_code=a.tracking_code,
                open=_bool(a.open),
                allow_anonymous=_bool(a.allow_anonymous),
                participant=a.participant,
                any_participant=a.any_participant,
            ),
        ),
        (
            ACCOUNT,
            arg("tracking_code", metavar="TRACKING_CODE"),
            arg("--open", **_BOOL),
            arg("--allow-anonymous", **_BOOL),
            arg("--participant", action="append", help="repeatable: replaces the participant list"),
            arg("--any-participant", action="store_true", help="drop the participant list"),
        ),
    ),
    Command(
        "jwt-settings",
        "put",
        "set how players' JWTs are verified (HS256 secret, or RS256 public key / JWKS URL)",
        _put_jwt_settings,
        (
            ACCOUNT,
            arg("--algorithm", required=True, choices=["HS256", "RS256"]),
            arg("--secret-file", help="HS256: file holding the shared secret ('-': stdin)"),
            arg("--public-key-file", help="RS256: PEM public key file ('-': stdin)"),
            arg("--jwks-url", help="RS256: https URL of a JWKS"),
            arg("--issuer"),
            arg("--audience"),
            arg("--username-claim", help="claim holding the username (default sub)"),
        ),
    ),
    Command(
        "jwt-settings",
        "get",
        "show an account's JWT settings (never the secret)",
        lambda c, a: c.get_jwt_settings(a.account),
        (ACCOUNT,),
    ),
    Command(
        "jwt-revocations",
        "create",
        "refuse one JWT (--jti) or a user's JWTs issued up to a moment (--username) on start",
        lambda c, a: c.revoke_jwt(
            a.account, jti=a.jti, username=a.username, issued_before=a.issued_before, expires_at=a.expires_at
        ),
        (
            ACCOUNT,
            arg("--jti", help="the jti claim of the one token to refuse"),
            arg("--username", help="refuse this user's tokens issued at or before --issued-before"),
            arg("--issued-before", help="ISO 8601 with a zone (default: now); only with --username"),
            arg("--expires-at", help="ISO 8601: when the revocation may be forgotten (default: kept)"),
        ),
    ),
    Command(
        "players",
        "delete",
        "forget a player and its session counters (its tokens then track nothing)",
        lambda c, a: c.delete_player(a.account, a.type, a.player_id),
        (
            ACCOUNT,
            arg("--type", required=True, choices=["anonymous", "identified"]),
            arg("player_id", metavar="PLAYER_ID"),
        ),
    ),
)

WEBTRACKING_COMMANDS: tuple[Command, ...] = (
    Command(
        "pathways",
        "create",
        "create a pathway",
        lambda c, a: c.create_pathway(a.account, a.name, a.id),
        (ACCOUNT, arg("--name", required=True), arg("--id", help="generated (PW-XXXX-XXXX) when omitted")),
    ),
    Command(
        "pathways", "list", "list an account's pathways", lambda c, a: c.list_pathways(a.account), (ACCOUNT,)
    ),
    Command(
        "activities",
        "create",
        "create a web activity in a pathway",
        lambda c, a: c.create_activity(a.account, a.pathway, a.id, a.name, a.url),
        (
            ACCOUNT,
            PATHWAY,
            arg("--id", required=True, metavar="ACTIVITY_ID", help="the API identifier (activity_ID)"),
            arg("--name", required=True),
            arg("--url", required=True, help="http(s) URL the user is sent to"),
        ),
    ),
    Command(
        "activities",
        "list",
        "list a pathway's web activities",
        lambda c, a: c.list_activities(a.account, a.pathway),
        (ACCOUNT, PATHWAY),
    ),
    Command(
        "users",
        "create",
        "create a user (email unique in the account)",
        lambda c, a: c.create_user(a.account, a.email, a.firstname, a.lastname),
        (
            ACCOUNT,
            arg("--email", required=True),
            arg("--firstname", default=""),
            arg("--lastname", default=""),
        ),
    ),
    Command("users", "list", "list an account's users", lambda c, a: c.list_users(a.account), (ACCOUNT,)),
    Command(
        "launches",
        "create",
        "launch a user on an activity: prints launchUrl, webToken (shown once), userToken, expiresAt",
        lambda c, a: c.create_launch(
            a.account, a.pathway, a.activity, user_id=a.user_id, email=a.email, ttl_seconds=a.ttl_seconds
        ),
        (
            ACCOUNT,
            PATHWAY,
            arg("--activity", required=True, metavar="ACTIVITY_ID"),
            arg("--user-id", help="the user, by id ..."),
            arg("--email", help="... or by email"),
            arg("--ttl-seconds", type=int, help="webToken lifetime (default: the stack's, 7 days)"),
        ),
    ),
)
PROGRAM = arg("--program", required=True, metavar="PROGRAM_ID", help="the subscriber program")
PUBLISHER = arg("--publisher", required=True, metavar="PROGRAM_ID", help="the program it reads")

COMMANDS: tuple[Command, ...] = (
    Command(
        "accounts",
        "create",
        "create an account and its hub programs (webtracking, collector)",
        lambda c, a: c.create_account(a.name, a.id),
        (arg("--name", required=True), arg("--id", help="2-12 of a-z, 0-9, '-' (generated when omitted)")),
    ),
    Command("accounts", "list", "list every account", lambda c, a: c.list_accounts()),
    Command(
        "accounts",
        "revoke",
        "revoke an account and all its keys",
        lambda c, a: c.revoke_account(a.account_id),
        (arg("account_id", metavar="ACCOUNT_ID"),),
    ),
    Command(
        "keys",
        "create",
        "create a key; its apiKey is shown only once",
        _create_key,
        (
            ACCOUNT,
            arg("--scope", action="append", required=True, help="repeatable, e.g. events:read:PROG"),
            arg("--description", default=""),
        ),
    ),
    Command(
        "keys",
        "list",
        "list an account's keys (never their secrets)",
        lambda c, a: c.list_keys(a.account),
        (ACCOUNT,),
    ),
    Command(
        "keys",
        "revoke",
        "revoke a key",
        lambda c, a: c.revoke_key(a.account, a.user_id),
        (ACCOUNT, arg("user_id", metavar="USER_ID")),
    ),
    Command(
        "programs",
        "create",
        "create a program",
        lambda c, a: c.create_program(a.account, a.id, a.name),
        (
            ACCOUNT,
            arg("--id", required=True, metavar="PROGRAM_ID", help="1-25 of A-Z, a-z, 0-9, '_', '.', '-'"),
            arg("--name", required=True),
        ),
    ),
    Command(
        "programs", "list", "list an account's programs", lambda c, a: c.list_programs(a.account), (ACCOUNT,)
    ),
    Command(
        "programs",
        "revoke",
        "revoke a program and its subscriptions",
        lambda c, a: c.revoke_program(a.account, a.program_id),
        (ACCOUNT, arg("program_id", metavar="PROGRAM_ID")),
    ),
    Command(
        "subscriptions",
        "create",
        "let --program read the events of --publisher",
        lambda c, a: c.create_subscription(a.program, a.publisher),
        (PROGRAM, PUBLISHER),
    ),
    Command(
        "subscriptions",
        "list",
        "list the publishers a program reads",
        lambda c, a: c.list_subscriptions(a.program),
        (PROGRAM,),
    ),
    Command(
        "subscriptions",
        "revoke",
        "stop --program reading --publisher",
        _revoke_subscription,
        (PROGRAM, PUBLISHER),
    ),
    *WEBTRACKING_COMMANDS,
    *COLLECTOR_COMMANDS,
    Command(
        "webhooks",
        "redrive",
        "re-queue every parked webhook delivery of the dead-letter queue (ten fresh attempts)",
        lambda c, a: c.redrive_webhooks(),
    ),
    Command(
        "whoami",
        None,
        "check an API key (GET /v1/whoami)",
        _whoami,
        (
            arg("--user-id", help=f"default: ${ENV_USER_ID}"),
            arg("--api-key", help=f"default: ${ENV_API_KEY} (preferred: a flag is visible in `ps`)"),
        ),
        signed=False,
    ),
)


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help=f"stage URL (default: ${ENV_ENDPOINT}, then the demo file's baseUrl)",
    )
    parser.add_argument(
        "--sign",
        action=argparse.BooleanOptionalAction,
        help="SigV4-sign calls (default: sign unless the endpoint is localhost, 127.0.0.0/8 or ::1)",
    )
    parser.add_argument("--region", help="AWS region to sign for (default: from the URL, then AWS_REGION)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="total time per call (default: 10)")


def build_parser(commands: tuple[Command, ...] = COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Administer a trackhub stack: accounts, API keys, programs and subscriptions.",
        epilog="Global options may also follow the command: trackhub-admin accounts list --endpoint URL",
    )
    _global_options(parser)
    parser.set_defaults(endpoint=None, sign=None, region=None, timeout=10.0)
    # Every command repeats the global options with SUPPRESS defaults: they are accepted after the
    # command too, and one not given there does not overwrite the same option given before it.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    _global_options(common)

    resources = parser.add_subparsers(dest="resource", required=True, metavar="<resource>")
    verbs: dict[str, Any] = {}
    for command in commands:
        if command.verb is None:
            leaf = resources.add_parser(
                command.resource, help=command.help, description=command.help, parents=[common]
            )
        else:
            if command.resource not in verbs:
                about = RESOURCES.get(command.resource, "")
                group = resources.add_parser(command.resource, help=about, description=about)
                verbs[command.resource] = group.add_subparsers(dest="verb", required=True, metavar="<verb>")
            leaf = verbs[command.resource].add_parser(
                command.verb, help=command.help, description=command.help, parents=[common]
            )
        for argument in command.args:
            leaf.add_argument(*argument.flags, **argument.options)
        leaf.set_defaults(command=command)
    return parser


# ------------------------------------------------------------------ entry point
def _fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed usage (or --help)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        endpoint = resolve_endpoint(args.endpoint)
        command: Command = args.command
        sign = args.sign if command.signed else False
        try:
            client = AdminClient(endpoint, sign=sign, region=args.region, timeout=args.timeout)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        result = command.call(client, args)
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except AdminError as exc:
        return _fail(str(exc), EXIT_FAILED)
    except KeyboardInterrupt:
        return 130
    if result is not None:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
