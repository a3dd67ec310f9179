"""`make load`: a bounded load run against the local stack, then proof that nothing acknowledged is lost.

Loopback only, a fixed number of requests, a time limit. It starts the local stack (seeded like
`make run`), an HTTPS receiver that answers 200 and one that answers 500, subscribes webhooks to the
demo publisher's events, then sends concurrently:

    publishes   POST /events                   (every --fail-every-th of a type the failing receiver
                                                 is subscribed to: those deliveries end up parked)
    pushes      POST /v1/webtracking/push      (each launch pushed in order by one thread)
    tracks      POST /api/collector/track      (three statements with their own ids per track)
    renders     POST /v1/content/render        (one {WEBHOOK} call each, no lock)

Afterwards every acknowledged write must be readable - each event in the publisher's feed, each
statement by GET /xapi/statements?statementId=, each launch's progress by a pull - and every queued
delivery must end delivered (200 receiver) or parked (500 receiver) in the delivery log. It prints
the counts and exits 1 when anything is missing, any answer is a 5xx other than 503 or 504, or a
request could not be sent within the time limit. A 504 (the function outran its timeout) is not an
acknowledgement: such a write may or may not exist, and the delivery counts allow for both.
`WebhookRetrySchedule` is 1 s (--retry-schedule) and the stack's time_scale shrinks the queues'
visibility timeouts, so ten failed attempts park within seconds.

    .venv/bin/python tools/load.py [--publishes N] [--pushes N] [--tracks N] [--renders N] ...
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import zip_longest
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test helpers' HTTPS receiver and stdlib HTTP client

from hubtest.http import HttpReply, call  # noqa: E402
from hubtest.receiver import Receiver  # noqa: E402

from trackhub_cli.seed import seed_demo  # noqa: E402
from trackhub_local.stack import LocalStack  # noqa: E402

PUBLISHER = "DEMO-PUB"
FAIL_TYPE = "LOAD_FAIL"  # only the failing receiver's subscription filters on it
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}


@dataclass(frozen=True)
class Config:
    publishes: int = 60
    pushes: int = 40
    tracks: int = 25
    renders: int = 25
    launches: int = 4
    fail_every: int = 15  # every n-th publish goes to the failing receiver too
    concurrency: int = 6
    time_limit: float = 170.0  # seconds, start-up and the settling of deliveries included
    settle_seconds: float = 60.0  # at most this long waiting for deliveries to end delivered/parked
    time_scale: float = 0.05
    retry_schedule: str = "1"  # WebhookRetrySchedule: seconds between a delivery's attempts


@dataclass
class Tally:
    """What was sent and what the hub acknowledged; guarded by one lock (threads add to it)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)  # 500, 502...: never an answer the hub may give
    unknown: list[str] = field(default_factory=list)  # 504 / transport errors: the outcome is unknown
    unknown_publishes: int = 0
    unknown_fail_publishes: int = 0
    event_ids: list[str] = field(default_factory=list)
    fail_events: int = 0
    statement_ids: list[str] = field(default_factory=list)
    progress: dict[str, tuple[float, set[float]]] = field(default_factory=dict)  # token: (acked, maybe)
    rendered: int = 0

    def answer(self, kind: str, reply: HttpReply) -> bool:
        ok = 200 <= reply.status < 300
        with self.lock:
            self.statuses[f"{kind} {reply.status}"] += 1
            if reply.status == 504:  # the function outran its timeout: it may have committed
                self.unknown.append(f"{kind}: {reply.status} {reply.text[:200]}")
            elif reply.status >= 500 and reply.status != 503:
                self.unexpected.append(f"{kind}: {reply.status} {reply.text[:200]}")
        return ok

    def failed(self, kind: str, error: Exception) -> None:
        with self.lock:
            self.statuses[f"{kind} error"] += 1
            self.unknown.append(f"{kind}: {type(error).__name__}: {error}")


class Load:
    def __init__(self, config: Config, stack: LocalStack, demo: dict[str, Any], ok: Receiver, bad: Receiver):
        self.config = config
        self.url = stack.base_url
        self.demo = demo
        self.ok = ok
        self.bad = bad
        self.tally = Tally()
        self.key = (demo["apiKey"]["userId"], demo["apiKey"]["apiKey"])
        self.publisher = (demo["publisher"]["userId"], demo["publisher"]["apiKey"])
        self.webhooks: dict[str, str] = {}
        self.web_tokens: list[str] = []
        self.deadline = time.monotonic() + config.time_limit

    # -------------------------------------------------------------- set-up
    def _admin(self, path: str, body: dict[str, Any]) -> Any:
        reply = call("POST", f"{self.url}{path}", json_body=body, timeout=30)
        if reply.status != 201:
            raise RuntimeError(f"POST {path}: {reply.status} {reply.text}")
        return reply.json

    def prepare(self) -> None:
        for name, receiver, types in (("ok", self.ok, []), ("failing", self.bad, [FAIL_TYPE])):
            code = f"{{WEBHOOK:{receiver.url('/' + name)}:loadsecret:POST}}"
            body = {"code": code, "programs": [PUBLISHER], "types": types}
            reply = call("POST", f"{self.url}/v1/webhooks", json_body=body, auth=self.key, timeout=30)
            if reply.status != 201:
                raise RuntimeError(f"subscribe {name}: {reply.status} {reply.text}")
            self.webhooks[name] = reply.json["webhookId"]
        account = self.demo["accountId"]
        pathway, activity = self.demo["pathway"]["ID"], self.demo["activity"]["ID"]
        for n in range(self.config.launches):
            user = self._admin(f"/admin/accounts/{account}/users", {"email": f"load{n}@example.com"})
            launched = self._admin(
                f"/admin/accounts/{account}/launches",
                {"pathwayId": pathway, "activityId": activity, "userId": user["userId"]},
            )
            self.web_tokens.append(launched["webToken"])

    # -------------------------------------------------------------- the writes
    def publish(self, n: int) -> None:
        fail = self.config.fail_every > 0 and n % self.config.fail_every == 0
        body = {
            "PublisherProgramId": PUBLISHER,
            "PublisherSystemId": "LOAD",
            "PublisherEventId": f"load-{n}",
            "EventType": FAIL_TYPE if fail else "LOAD_OK",
            "PublisherParticipantId": f"learner{n % 7}@example.com",
            "PublisherEventData": {"n": n},
            "EventStartUtc": "2026-11-23T12:00:00Z",
        }
        reply = call("POST", f"{self.url}/events", json_body=body, auth=self.publisher, timeout=30)
        acknowledged = self.tally.answer("publish", reply)
        if not acknowledged and reply.status == 504:
            with self.tally.lock:
                self.tally.unknown_publishes += 1
                self.tally.unknown_fail_publishes += int(fail)
        if acknowledged:
            with self.tally.lock:
                location = reply.header("Location") or ""  # 201, empty body, Location: /events/<id>
                self.tally.event_ids.append(location.rsplit("/", 1)[-1])
                self.tally.fail_events += int(fail)

    def push_launch(self, token: str, count: int) -> None:
        """This launch's pushes, in order: the last acknowledged progress is what a pull must show
        (or a later one whose answer was lost: a 503 may follow a commit)."""
        acked, maybe = 0.0, set[float]()
        for step in range(1, count + 1):
            progress = round(100 * step / count, 2)
            body = {"webToken": token, "progress": progress}
            reply = call("POST", f"{self.url}/v1/webtracking/push", json_body=body, auth=self.key, timeout=30)
            if self.tally.answer("push", reply):
                acked, maybe = progress, set()
            else:
                maybe.add(progress)
        with self.tally.lock:
            self.tally.progress[token] = (acked, maybe)

    def track(self, n: int) -> None:
        code = self.demo["trackingCode"]
        started = call("POST", f"{self.url}/api/collector/start/{code}", json_body={}, timeout=30)
        if not self.tally.answer("start", started):
            return
        ids = [str(uuid.uuid4()) for _ in range(3)]
        statements = [
            {
                "id": statement_id,
                "actor": started.json["actor"],
                "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
                "object": {
                    "id": started.json["objectId"],
                    "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/level"},
                },
                "timestamp": "2026-11-23T12:53:22.349Z",
            }
            for statement_id, verb in zip(ids, ("initialized", "progressed", "completed"), strict=True)
        ]
        headers = {"Authorization": started.json["authToken"]}
        reply = call(
            "POST", f"{self.url}/api/collector/track", json_body=statements, headers=headers, timeout=30
        )
        if self.tally.answer("track", reply):
            with self.tally.lock:
                self.tally.statement_ids.extend(ids)

    def render(self, n: int) -> None:
        content = f"<p>page {n}</p>{{WEBHOOK:{self.ok.url('/render')}:loadsecret:POST:0}}"
        body = {"content": content, "context": {"page": {"id": n, "name": f"page {n}"}}}
        reply = call("POST", f"{self.url}/v1/content/render", json_body=body, auth=self.key, timeout=30)
        if self.tally.answer("render", reply):
            with self.tally.lock:
                self.tally.rendered += int(reply.json["queued"])

    def drive(self) -> None:
        config = self.config
        per_launch = max(1, config.pushes // max(1, len(self.web_tokens)))
        # Each launch's pushes run in order on one thread; the other kinds are interleaved around them.
        jobs: list[Callable[[], None]] = [partial(self.push_launch, t, per_launch) for t in self.web_tokens]
        kinds: list[list[Callable[[], None]]] = [
            [partial(self.publish, n) for n in range(1, config.publishes + 1)],
            [partial(self.track, n) for n in range(config.tracks)],
            [partial(self.render, n) for n in range(config.renders)],
        ]
        for round_ in zip_longest(*kinds):
            jobs += [job for job in round_ if job is not None]

        def guarded(job: Callable[[], None]) -> None:
            if time.monotonic() > self.deadline:
                with self.tally.lock:  # an incomplete run proves less than it claims: a problem
                    self.tally.unexpected.append("time limit reached before a request was sent")
                return
            try:
                job()
            except Exception as error:
                self.tally.failed("request", error)

        with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
            list(pool.map(guarded, jobs))

    # -------------------------------------------------------------- the proofs
    def feed_ids(self) -> set[str]:
        found: set[str] = set()
        cursor: str | None = None
        for _ in range(1000):  # pages; bounded whatever the clock says
            query = f"program={PUBLISHER}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
            reply = call("GET", f"{self.url}/events?{query}", auth=self.publisher, timeout=30)
            if reply.status != 200:
                raise RuntimeError(f"feed: {reply.status} {reply.text}")
            page = reply.json
            found |= {e["EventId"] for e in page["events"]}
            cursor = page["cursor"]
            if not page["more"]:
                break
        return found

    def missing_statements(self) -> list[str]:
        def readable(statement_id: str) -> bool:
            reply = call(
                "GET",
                f"{self.url}/xapi/statements?statementId={statement_id}",
                auth=self.key,
                headers=XAPI_HEADERS,
                timeout=30,
            )
            return reply.status == 200 and reply.json.get("id") == statement_id

        with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
            found = list(pool.map(readable, self.tally.statement_ids))
        return [s for s, ok in zip(self.tally.statement_ids, found, strict=True) if not ok]

    def wrong_progress(self) -> list[str]:
        wrong = []
        for token, (acked, maybe) in self.tally.progress.items():
            reply = call(
                "POST", f"{self.url}/v1/webtracking/pull", json_body={"webToken": token}, auth=self.key
            )
            shown = float(reply.json["data"]["progress"]) if reply.status == 200 else None
            if shown not in {acked, *maybe}:
                wrong.append(f"{token[:8]}…: pulled {shown}, last acknowledged {acked}")
        return wrong

    def code_webhook(self) -> str | None:
        reply = call("GET", f"{self.url}/v1/webhooks", auth=self.key, timeout=30)
        for webhook in reply.json.get("webhooks", []):
            if webhook.get("kind") == "code":
                return str(webhook["webhookId"])
        return None

    def deliveries(self, webhook_id: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for status in ("pending", "delivered", "parked"):
            reply = call(
                "GET",
                f"{self.url}/v1/webhooks/{webhook_id}/deliveries?status={status}&limit=200",
                auth=self.key,
                timeout=30,
            )
            if reply.status != 200:
                raise RuntimeError(f"deliveries: {reply.status} {reply.text}")
            counts[status] = len(reply.json["deliveries"])
        return counts

    def settled_deliveries(self) -> dict[str, Counter[str]]:
        """Poll the delivery logs until nothing is pending (or the time limit)."""
        webhooks = dict(self.webhooks)
        code = self.code_webhook()
        if code:
            webhooks["render"] = code
        settle_by = time.monotonic() + self.config.settle_seconds
        while True:
            logs = {name: self.deliveries(webhook_id) for name, webhook_id in webhooks.items()}
            if all(log["pending"] == 0 for log in logs.values()) or time.monotonic() > settle_by:
                return logs
            time.sleep(1.0)

    def verify(self) -> dict[str, Any]:
        tally = self.tally
        in_feed = self.feed_ids()
        missing_events = [e for e in tally.event_ids if e not in in_feed]
        missing_statements = self.missing_statements()
        wrong_progress = self.wrong_progress()
        # (at least, at most): a publish that timed out may have committed and fanned out.
        expected = {
            "ok": (len(tally.event_ids), len(tally.event_ids) + tally.unknown_publishes),
            "failing": (tally.fail_events, tally.fail_events + tally.unknown_fail_publishes),
            "render": (tally.rendered, tally.rendered),
        }
        logs = self.settled_deliveries()
        problems: list[str] = []
        want = {"ok": "delivered", "failing": "parked", "render": "delivered"}
        for name, (least, most) in expected.items():
            log = logs.get(name, Counter())
            settled = log[want[name]]
            if not least <= settled <= most or log["pending"] or sum(log.values()) != settled:
                problems.append(f"{name} webhook: expected {least}..{most} {want[name]}, log has {dict(log)}")
        problems += [f"event {e} acknowledged but not in the feed" for e in missing_events]
        problems += [f"statement {s} acknowledged but not readable" for s in missing_statements]
        problems += [f"progress {p}" for p in wrong_progress]
        problems += tally.unexpected
        return {
            "answers": dict(sorted(tally.statuses.items())),
            "acknowledged": {
                "events": len(tally.event_ids),
                "statements": len(tally.statement_ids),
                "launches pushed": len(tally.progress),
                "render calls queued": tally.rendered,
            },
            "readable": {
                "events in feed": len(tally.event_ids) - len(missing_events),
                "statements": len(tally.statement_ids) - len(missing_statements),
                "progress as acknowledged": len(tally.progress) - len(wrong_progress),
            },
            "deliveries": {name: dict(log) for name, log in logs.items()},
            "receiver calls": {"ok": len(self.ok.requests), "failing": len(self.bad.requests)},
            "outcome unknown (not acknowledged, may have committed)": tally.unknown,
            "problems": problems,
        }


@contextmanager
def _receivers(directory: Path) -> Iterator[tuple[Receiver, Receiver]]:
    ok = Receiver.start(directory / "ok")
    bad = Receiver.start(directory / "bad")
    bad.respond(status=500)
    try:
        yield ok, bad
    finally:
        ok.stop()
        bad.stop()


def run(config: Config, *, log_file: Path | None = None) -> dict[str, Any]:
    """Start everything, drive the load, verify; the report's `problems` is empty when all held."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trackhub-load-") as tmp, _receivers(Path(tmp)) as (ok, bad):
        if ok.ca_file.read_bytes() != bad.ca_file.read_bytes():  # two CAs: the functions trust both
            bundle = Path(tmp) / "ca-bundle.pem"
            bundle.write_bytes(ok.ca_file.read_bytes() + bad.ca_file.read_bytes())
        else:
            bundle = ok.ca_file
        stack = LocalStack(
            ROOT / "template.yaml",
            port=0,
            log_file=log_file or Path(tmp) / "functions.log",
            time_scale=config.time_scale,
            parameters={
                "WebhookRetrySchedule": config.retry_schedule,
                "WebhookAllowNetworks": "127.0.0.0/8",
            },
            env_overrides={"SSL_CERT_FILE": str(bundle)},
        )
        with stack:
            stack.wait_ready(timeout=60)
            demo = seed_demo(stack.base_url, timeout=60)
            load = Load(config, stack, demo, ok, bad)
            load.prepare()
            load.drive()
            driven = time.monotonic() - started
            report = load.verify()
    report["seconds"] = {"drive": round(driven, 1), "total": round(time.monotonic() - started, 1)}
    if report["seconds"]["total"] > config.time_limit:  # every request was sent in time (else a problem)
        late = report["seconds"]["total"] - config.time_limit
        report["warnings"] = [f"verification ended {late:.0f} s after the time limit"]
    return report


def main(argv: list[str] | None = None) -> int:
    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name in ("publishes", "pushes", "tracks", "renders", "launches", "fail_every", "concurrency"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    parser.add_argument("--time-limit", type=float, default=defaults.time_limit)
    parser.add_argument("--settle-seconds", type=float, default=defaults.settle_seconds)
    parser.add_argument("--time-scale", type=float, default=defaults.time_scale)
    parser.add_argument("--retry-schedule", default=defaults.retry_schedule)
    args = parser.parse_args(argv)
    config = Config(**vars(args))
    report = run(config)
    print(json.dumps(report, indent=2))
    if report["problems"]:
        print(f"load: {len(report['problems'])} problem(s)", file=sys.stderr)
        return 1
    print("load: every acknowledged write is readable; every delivery delivered or parked", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
