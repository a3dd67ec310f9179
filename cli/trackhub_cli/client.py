"""A small client for trackhub's admin API: SigV4-signed in the cloud, unsigned on the local stack.

Only the standard library does HTTP; botocore (already a project dependency) is used only to
find AWS credentials and sign, and is imported only when a call is signed, so the local stack's
seeding and `trackhub-admin` against 127.0.0.1 stay fast to start.

A new admin resource is one method here, built on `request()` and `_path()`:

    def list_pathways(self, account_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "accounts", account_id, "pathways"))
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.client import HTTPException, HTTPMessage
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    import botocore.session

JsonObject = dict[str, Any]

SERVICE = "execute-api"
USER_AGENT = "trackhub-admin/0.1"
# {api-id}.execute-api.{region}.amazonaws.com, also the private (vpce) and China partition forms.
_EXECUTE_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$")
_ERROR_TEXT_LIMIT = 300

_T = TypeVar("_T")


class AdminError(Exception):
    """The call could not be made or finished: no credentials or region, unreachable, timed out."""


class AdminApiError(AdminError):
    """The API answered with a non-2xx status; `message` is the server's own explanation."""

    def __init__(self, status: int, message: str, body: Any) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.body = body


# ------------------------------------------------------------------ URL helpers
def normalize_base_url(base_url: str) -> str:
    """The stage URL without a trailing '/' or '/admin'.

    The stack's AdminApiUrl output ends in /admin while HubApiUrl does not; both are accepted so
    that either can be pasted, and every path below is relative to the stage.
    """
    url = base_url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    # Checked here because urllib would also open file:// and ftp:// URLs.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"endpoint must be an http(s) URL with a host, got {base_url!r}")
    if parts.query or parts.fragment or parts.username is not None:
        raise ValueError(f"endpoint must not carry credentials, a query or a fragment, got {base_url!r}")
    return url.removesuffix("/admin")


def is_loopback(host: str | None) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: the local stack, which takes unsigned calls."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def region_from_host(host: str | None) -> str | None:
    match = _EXECUTE_API_HOST.search(host or "")
    return match.group(1) if match else None


def _path(*segments: str) -> str:
    """'/a/b/c' with every segment percent-encoded, so an id can never add or change a path level."""
    if not all(segments):
        raise ValueError(f"empty path segment in {segments!r}")
    return "".join("/" + urllib.parse.quote(segment, safe="") for segment in segments)


def basic_auth_header(user_id: str, api_key: str) -> str:
    """`Authorization` value for a hub API key (HTTP Basic userId:apiKey)."""
    token = base64.b64encode(f"{user_id}:{api_key}".encode()).decode("ascii")
    return f"Basic {token}"


# ------------------------------------------------------------------ transport
@dataclass(frozen=True)
class _Reply:
    status: int
    reason: str
    body: bytes


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Report a 3xx instead of following it: a redirect would replay the Authorization header."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def _opener(loopback: bool, https: bool) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_NoRedirects()]
    if loopback:
        # The local stack is never behind a proxy; an HTTP(S)_PROXY set for the cloud must not catch it.
        handlers.append(urllib.request.ProxyHandler({}))
    ca_bundle = os.environ.get("AWS_CA_BUNDLE")
    if https and ca_bundle:
        # Trust what the AWS tools are configured to trust (e.g. a TLS-inspecting corporate proxy).
        try:
            context = ssl.create_default_context(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise AdminError(f"cannot load AWS_CA_BUNDLE {ca_bundle}: {exc}") from exc
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


def _exchange(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout: float
) -> _Reply:
    try:
        with opener.open(request, timeout=timeout) as response:
            return _Reply(response.status, response.reason, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return _Reply(error.code, str(error.reason), error.read())


def _within(seconds: float, call: Callable[[], _T]) -> _T:
    """Run `call` with a limit on its total duration.

    urllib's timeout bounds each socket operation, not the exchange, so a server that trickles
    its answer could hold a call far longer. The call runs in a daemon thread that is abandoned
    on timeout (it cannot block the process from exiting) and ends at its next socket timeout.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed over to the calling thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="trackhub-admin-http", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"no complete answer within {seconds:g}s")
    if "error" in outcome:
        raise outcome["error"]
    return cast(_T, outcome["value"])


def _decode(body: bytes) -> Any:
    """Parsed JSON, None for an empty body, the text itself when it is not JSON."""
    if not body.strip():
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _error_message(parsed: Any, reply: _Reply) -> str:
    if isinstance(parsed, dict):
        # The hub says "message"; API Gateway's own IAM denials say "Message".
        for key in ("message", "Message"):
            if isinstance(parsed.get(key), str):
                return cast(str, parsed[key])
    if isinstance(parsed, str) and parsed.strip():
        return parsed.strip()[:_ERROR_TEXT_LIMIT]
    return reply.reason or "no message"


# ------------------------------------------------------------------ client
class AdminClient:
    """The admin API of one stage (`base_url`, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/v1).

    sign: None signs unless the host is loopback; True/False force it. region: defaults to the
    execute-api hostname's, then AWS_REGION / AWS_DEFAULT_REGION, then the botocore session's.
    Credentials come from `session` or botocore's standard chain (env, profile, SSO, instance role).
    """

    def __init__(
        self,
        base_url: str,
        *,
        sign: bool | None = None,
        region: str | None = None,
        timeout: float = 10.0,
        session: botocore.session.Session | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        parts = urllib.parse.urlsplit(self.base_url)
        self._host_header = parts.netloc
        loopback = is_loopback(parts.hostname)
        self.signs = (not loopback) if sign is None else sign
        self.timeout = timeout
        self._session = session
        self.region = self._resolve_region(region, parts.hostname) if self.signs else region
        self._opener = _opener(loopback, parts.scheme == "https")

    # -------------------------------------------------------------- generic
    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one call; return the parsed JSON answer (None when empty), raise AdminApiError on non-2xx.

        `path` is relative to the stage and starts with '/'; build it with `_path()` to encode ids.
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        # Host is set here so that the value signed is the value sent.
        sent = {"Host": self._host_header, "Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        if self.signs:
            sent = self._signed(method, url, sent, data)
        # S310: the scheme is limited to http(s) by normalize_base_url.
        http_request = urllib.request.Request(url, data=data, headers=sent, method=method)  # noqa: S310
        try:
            reply = _within(self.timeout, lambda: _exchange(self._opener, http_request, self.timeout))
        except TimeoutError as exc:
            raise AdminError(f"{method} {url}: timed out ({exc})") from exc
        except urllib.error.URLError as exc:
            raise AdminError(f"{method} {url}: cannot reach the API ({exc.reason})") from exc
        except (OSError, HTTPException) as exc:
            raise AdminError(f"{method} {url}: connection failed ({exc!r})") from exc
        parsed = _decode(reply.body)
        if not 200 <= reply.status < 300:
            raise AdminApiError(reply.status, _error_message(parsed, reply), parsed)
        return parsed

    def _object(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> JsonObject:
        answer = self.request(method, path, body, query, headers=headers)
        if not isinstance(answer, dict):
            raise AdminError(f"{method} {path}: expected a JSON object, got {answer!r:.200}")
        return answer

    # -------------------------------------------------------------- accounts
    def create_account(self, name: str, account_id: str | None = None) -> JsonObject:
        """The account with its hubPrograms {webtracking, collector}; an id is generated if omitted."""
        body: JsonObject = {"name": name}
        if account_id is not None:
            body["accountId"] = account_id
        return self._object("POST", _path("admin", "accounts"), body)

    def list_accounts(self) -> JsonObject:
        return self._object("GET", _path("admin", "accounts"))

    def revoke_account(self, account_id: str) -> JsonObject:
        return self._object("DELETE", _path("admin", "accounts", account_id))

    # -------------------------------------------------------------- keys
    def create_key(self, account_id: str, scopes: Sequence[str], description: str = "") -> JsonObject:
        """The key with its secret `apiKey`, which no later call returns."""
        body = {"scopes": list(scopes), "description": description}
        return self._object("POST", _path("admin", "accounts", account_id, "keys"), body)

    def list_keys(self, account_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "accounts", account_id, "keys"))

    def revoke_key(self, account_id: str, user_id: str) -> JsonObject:
        return self._object("DELETE", _path("admin", "accounts", account_id, "keys", user_id))

    # -------------------------------------------------------------- programs
    def create_program(self, account_id: str, program_id: str, name: str) -> JsonObject:
        body = {"programId": program_id, "name": name}
        return self._object("POST", _path("admin", "accounts", account_id, "programs"), body)

    def list_programs(self, account_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "accounts", account_id, "programs"))

    def revoke_program(self, account_id: str, program_id: str) -> JsonObject:
        return self._object("DELETE", _path("admin", "accounts", account_id, "programs", program_id))

    # -------------------------------------------------------------- subscriptions
    def create_subscription(self, program_id: str, publisher_program_id: str) -> JsonObject:
        """Let subscriber `program_id` read the events of `publisher_program_id`."""
        body = {"programId": program_id, "publisherProgramId": publisher_program_id}
        return self._object("POST", _path("admin", "subscriptions"), body)

    def list_subscriptions(self, program_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "subscriptions"), query={"programId": program_id})

    def revoke_subscription(self, program_id: str, publisher_program_id: str) -> None:
        self.request("DELETE", _path("admin", "subscriptions", program_id, publisher_program_id))

    # -------------------------------------------------------------- web tracking
    def create_pathway(self, account_id: str, name: str, pathway_id: str | None = None) -> JsonObject:
        """A pathway {ID, name}; the ID is generated (PW-XXXX-XXXX) when omitted."""
        body: JsonObject = {"name": name}
        if pathway_id is not None:
            body["ID"] = pathway_id
        return self._object("POST", _path("admin", "accounts", account_id, "pathways"), body)

    def list_pathways(self, account_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "accounts", account_id, "pathways"))

    def create_activity(
        self, account_id: str, pathway_id: str, activity_id: str, name: str, url: str
    ) -> JsonObject:
        """A web activity; `activity_id` is its API identifier (activity_ID on push)."""
        body = {"ID": activity_id, "name": name, "url": url}
        path = _path("admin", "accounts", account_id, "pathways", pathway_id, "activities")
        return self._object("POST", path, body)

    def list_activities(self, account_id: str, pathway_id: str) -> JsonObject:
        path = _path("admin", "accounts", account_id, "pathways", pathway_id, "activities")
        return self._object("GET", path)

    def create_user(self, account_id: str, email: str, firstname: str = "", lastname: str = "") -> JsonObject:
        """A web tracking user with its userToken."""
        body = {"email": email, "firstname": firstname, "lastname": lastname}
        return self._object("POST", _path("admin", "accounts", account_id, "users"), body)

    def list_users(self, account_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "accounts", account_id, "users"))

    def create_launch(
        self,
        account_id: str,
        pathway_id: str,
        activity_id: str,
        *,
        user_id: str | None = None,
        email: str | None = None,
        ttl_seconds: int | None = None,
    ) -> JsonObject:
        """{launchUrl, webToken, userToken, expiresAt} for a user (by userId or email) on an activity."""
        body: JsonObject = {"pathwayId": pathway_id, "activityId": activity_id}
        optional = {"userId": user_id, "email": email, "ttlSeconds": ttl_seconds}
        body.update({name: value for name, value in optional.items() if value is not None})
        return self._object("POST", _path("admin", "accounts", account_id, "launches"), body)

    # -------------------------------------------------------------- collector
    def create_tracking_code(
        self,
        account_id: str,
        name: str,
        *,
        tracking_code: str | None = None,
        open: bool = True,
        allow_anonymous: bool = True,
        participants: Sequence[str] | None = None,
    ) -> JsonObject:
        """A collector tracking code {trackingCode, open, allowAnonymous, participants, ...}."""
        body: JsonObject = {"name": name, "open": open, "allowAnonymous": allow_anonymous}
        if tracking_code is not None:
            body["trackingCode"] = tracking_code
        if participants is not None:
            body["participants"] = list(participants)
        return self._object("POST", _path("admin", "accounts", account_id, "tracking-codes"), body)

    def list_tracking_codes(self, account_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "accounts", account_id, "tracking-codes"))

    def update_tracking_code(self, account_id: str, tracking_code: str, **changes: Any) -> JsonObject:
        """changes: open, allowAnonymous, participants, anyParticipant (only those given change)."""
        path = _path("admin", "accounts", account_id, "tracking-codes", tracking_code)
        return self._object("PATCH", path, {k: v for k, v in changes.items() if v is not None})

    def put_jwt_settings(self, account_id: str, settings: Mapping[str, Any]) -> JsonObject:
        """{algorithm: HS256|RS256, secret | publicKey | jwksUrl, issuer?, audience?, usernameClaim?}."""
        return self._object("PUT", _path("admin", "accounts", account_id, "jwt-settings"), dict(settings))

    def get_jwt_settings(self, account_id: str) -> JsonObject:
        return self._object("GET", _path("admin", "accounts", account_id, "jwt-settings"))

    def revoke_jwt(
        self,
        account_id: str,
        *,
        jti: str | None = None,
        username: str | None = None,
        issued_before: str | None = None,
        expires_at: str | None = None,
    ) -> JsonObject:
        """Refuse one JWT (jti) or a user's JWTs issued up to issued_before (default now) on start."""
        body = {"jti": jti, "username": username, "issuedBefore": issued_before, "expiresAt": expires_at}
        path = _path("admin", "accounts", account_id, "jwt-revocations")
        return self._object("POST", path, {k: v for k, v in body.items() if v is not None})

    def delete_player(self, account_id: str, player_type: str, player_id: str) -> None:
        """Forget a collector player (anonymous or identified) and its session counters."""
        self.request("DELETE", _path("admin", "accounts", account_id, "players", player_type, player_id))

    def redrive_webhooks(self) -> JsonObject:
        """Move parked webhook deliveries from the dead-letter queue back to work: {redriven, dropped}."""
        return self._object("POST", _path("admin", "webhooks", "redrive"))

    # -------------------------------------------------------------- signing
    def _botocore_session(self) -> botocore.session.Session:
        if self._session is None:
            import botocore.session  # only signed calls pay for importing botocore

            self._session = botocore.session.get_session()
        return self._session

    def _resolve_region(self, explicit: str | None, host: str | None) -> str:
        region = explicit or region_from_host(host) or os.environ.get("AWS_REGION")
        region = region or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            from botocore.exceptions import BotoCoreError

            try:
                region = self._botocore_session().get_config_variable("region")
            except BotoCoreError as exc:
                raise AdminError(f"cannot read the AWS configuration: {exc}") from exc
        if not region:
            raise AdminError(
                f"cannot sign for {host}: no AWS region; pass --region or set AWS_REGION "
                "(the region is read from *.execute-api.<region>.amazonaws.com hosts)"
            )
        return str(region)

    def _signed(self, method: str, url: str, headers: dict[str, str], data: bytes | None) -> dict[str, str]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.exceptions import BotoCoreError

        try:
            credentials = self._botocore_session().get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except BotoCoreError as exc:
            raise AdminError(f"cannot load AWS credentials: {exc}") from exc
        if frozen is None:
            raise AdminError(
                "no AWS credentials found to sign the admin call: set AWS_PROFILE (after `aws sso login`) "
                "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; use --no-sign only for the local stack"
            )
        aws_request = AWSRequest(method=method, url=url, headers=headers, data=data)
        SigV4Auth(frozen, SERVICE, cast(str, self.region)).add_auth(aws_request)
        return dict(aws_request.headers.items())


def whoami(base_url: str, user_id: str, api_key: str, *, timeout: float = 10.0) -> JsonObject:
    """GET /v1/whoami with a hub API key: its userId, accountId and scopes (checks that a key works)."""
    client = AdminClient(base_url, sign=False, timeout=timeout)
    authorization = {"Authorization": basic_auth_header(user_id, api_key)}
    return client._object("GET", _path("v1", "whoami"), headers=authorization)
