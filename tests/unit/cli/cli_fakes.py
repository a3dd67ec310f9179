"""Real HTTP servers on 127.0.0.1 (a free port each) that record what the CLI sends and answer it.

FakeAdmin emulates the admin API in memory (dicts), with the checks that make call order matter:
an account before its keys and programs, a program before the keys scoped to it and its subscriptions.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

CREATED_AT = "2024-01-02T03:04:05Z"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # as sent, with its query string
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)  # JSON-able, bytes as they are, None for no body
    headers: dict[str, str] = field(default_factory=dict)
    seconds_per_byte: float = 0.0  # > 0: trickle the body out byte by byte


Responder = Callable[[Recorded], Reply]


class FakeServer:
    """A threaded HTTP server that records each request and answers with `responder`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.responder: Responder = lambda _: Reply()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                server.requests.append(recorded)
                reply = server.responder(recorded)
                if reply.body is None:
                    payload = b""
                elif isinstance(reply.body, bytes):
                    payload = reply.body
                else:
                    payload = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.seconds_per_byte:
                    self.wfile.flush()
                    for i in range(len(payload)):
                        time.sleep(reply.seconds_per_byte)
                        self.wfile.write(payload[i : i + 1])
                        self.wfile.flush()
                else:
                    self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def handle(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client gave up
                    super().handle()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # A short poll interval: shutdown() waits for the next poll, 0.5s by default.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    def respond(self, status: int = 200, body: Any = None, **options: Any) -> None:
        """Answer every request the same way (an empty JSON object unless told otherwise)."""
        reply = Reply(status, {} if body is None and status != 204 else body, **options)
        self.responder = lambda _: reply

    @property
    def last(self) -> Recorded:
        assert self.requests, "the server received no request"
        return self.requests[-1]

    @property
    def calls(self) -> list[tuple[str, str, Any]]:
        return [(r.method, r.path, r.json) for r in self.requests]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"message": message, "code": code})


class FakeAdmin:
    """The admin endpoints over dicts; a Responder for FakeServer."""

    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}
        self.programs: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, dict[str, Any]] = {}  # by userId, secrets included
        self.subscriptions: list[tuple[str, str]] = []
        self.tracking_codes: dict[str, dict[str, Any]] = {}
        self.jwt_settings: dict[str, dict[str, Any]] = {}
        self._ids = count(1)

    def __call__(self, request: Recorded) -> Reply:
        body = request.json or {}
        route = request.route
        if request.method == "POST" and route == "/admin/accounts":
            return self._create_account(body)
        if request.method == "POST" and (match := re.fullmatch(r"/admin/accounts/([^/]+)/keys", route)):
            return self._create_key(match.group(1), body)
        if request.method == "POST" and (match := re.fullmatch(r"/admin/accounts/([^/]+)/programs", route)):
            return self._create_program(match.group(1), body)
        if request.method == "POST" and route == "/admin/subscriptions":
            return self._create_subscription(body)
        if request.method == "POST" and (reply := self._web_tracking(route, body)) is not None:
            return reply
        if (reply := self._collector(request.method, route, body)) is not None:
            return reply
        return _error(404, "not_found", "Not found")

    def _collector(self, method: str, route: str, body: dict[str, Any]) -> Reply | None:
        """Tracking codes and JWT settings; the JWT secret is kept so tests can check signatures."""
        match = re.fullmatch(r"/admin/accounts/([^/]+)/(tracking-codes|jwt-settings)(?:/([^/]+))?", route)
        if match is None:
            return None
        account, kind, code = match.groups()
        if account not in self.accounts:
            return _error(404, "not_found", f"account {account!r} not found")
        if kind == "jwt-settings":
            if method == "PUT":
                self.jwt_settings[account] = body
            settings = self.jwt_settings.get(account)
            if settings is None:
                return _error(404, "not_found", "no JWT settings")
            public = {k: v for k, v in settings.items() if k != "secret"}
            return Reply(200, {"accountId": account, **public, "hasSecret": "secret" in settings})
        if method == "POST":
            created = {"trackingCode": body.get("trackingCode") or f"code{next(self._ids):04d}", **body}
            self.tracking_codes[created["trackingCode"]] = {**created, "accountId": account}
            return Reply(201, self.tracking_codes[created["trackingCode"]])
        if method == "PATCH" and code in self.tracking_codes:
            self.tracking_codes[code].update(body)
            return Reply(200, self.tracking_codes[code])
        if method == "GET" and code is None:
            codes = [c for c in self.tracking_codes.values() if c["accountId"] == account]
            return Reply(200, {"trackingCodes": codes})
        return None

    def _web_tracking(self, route: str, body: dict[str, Any]) -> Reply | None:
        """Pathways, activities, users and launches, echoed with the ids and tokens the hub would add."""
        match = re.fullmatch(r"/admin/accounts/([^/]+)/(pathways|users|launches)", route) or re.fullmatch(
            r"/admin/accounts/([^/]+)/pathways/([^/]+)/(activities)", route
        )
        if match is None:
            return None
        if match.group(1) not in self.accounts:
            return _error(404, "not_found", f"account {match.group(1)!r} not found")
        kind = match.groups()[-1]
        if kind == "pathways":
            return Reply(201, {"ID": body.get("ID") or f"PW-{next(self._ids):04d}-FAKE", **body})
        if kind == "activities":
            return Reply(201, {**body, "pathwayId": match.group(2)})
        if kind == "users":
            user_id = "US-" + str(body["email"]).split("@")[0].upper()
            return Reply(201, {"userId": user_id, "userToken": f"usertoken-of-{user_id}", **body})
        token = f"webtoken-for-{body.get('userId')}"
        return Reply(
            201,
            {
                "launchUrl": f"https://lms.example.com/course/42?lang=en&webToken={token}",
                "webToken": token,
                "userToken": "usertoken-of-" + str(body.get("userId")),
                "expiresAt": CREATED_AT,
            },
        )

    def _create_account(self, body: dict[str, Any]) -> Reply:
        account_id = body.get("accountId") or f"a{next(self._ids):08x}"
        if account_id in self.accounts:
            return _error(409, "conflict", f"account {account_id!r} already exists")
        hub = {"webtracking": f"{account_id}-webtracking", "collector": f"{account_id}-collector"}
        account = {
            "accountId": account_id,
            "name": body["name"],
            "status": "active",
            "createdAt": CREATED_AT,
            "hubPrograms": hub,
        }
        self.accounts[account_id] = account
        for program_id in hub.values():
            self.programs[program_id] = {"programId": program_id, "accountId": account_id, "hubOwned": True}
        return Reply(201, account)

    def _create_key(self, account_id: str, body: dict[str, Any]) -> Reply:
        if account_id not in self.accounts:
            return _error(404, "not_found", f"account {account_id!r} not found")
        for scope in body["scopes"]:
            program_id = scope.split(":")[-1] if scope.startswith("events:") else "*"
            if program_id != "*" and self.programs.get(program_id, {}).get("accountId") != account_id:
                return _error(404, "not_found", f"scopes: program {program_id!r} not found")
        number = next(self._ids)
        key = {
            "userId": f"tk_{number:016x}",
            "accountId": account_id,
            "scopes": body["scopes"],
            "description": body.get("description", ""),
            "status": "active",
            "createdAt": CREATED_AT,
            "apiKey": f"secret-{number}",
        }
        self.keys[key["userId"]] = key
        return Reply(201, key)

    def _create_program(self, account_id: str, body: dict[str, Any]) -> Reply:
        if account_id not in self.accounts:
            return _error(404, "not_found", f"account {account_id!r} not found")
        program_id = body["programId"]
        if program_id in self.programs:
            return _error(409, "conflict", f"program {program_id!r} already exists")
        program = {
            "programId": program_id,
            "accountId": account_id,
            "name": body["name"],
            "status": "active",
            "hubOwned": False,
            "createdAt": CREATED_AT,
        }
        self.programs[program_id] = program
        return Reply(201, program)

    def _create_subscription(self, body: dict[str, Any]) -> Reply:
        program_id, publisher = body["programId"], body["publisherProgramId"]
        for field_name, pid in (("programId", program_id), ("publisherProgramId", publisher)):
            if pid not in self.programs:
                return _error(404, "not_found", f"{field_name}: program {pid!r} not found")
        if (program_id, publisher) in self.subscriptions:
            return _error(409, "conflict", "subscription already exists")
        self.subscriptions.append((program_id, publisher))
        return Reply(
            201,
            {
                "programId": program_id,
                "publisherProgramId": publisher,
                "subscriberAccountId": self.programs[program_id]["accountId"],
                "createdAt": CREATED_AT,
            },
        )
