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
}
ACCOUNT = arg("--account", required=True, metavar="ACCOUNT_ID")
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
