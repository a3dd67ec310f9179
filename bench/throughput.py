"""Throughput through the local stack on loopback: fixed counts, one client, a deadline per series."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hubtest.receiver import Receiver

from bench.client import Answer, Client
from bench.stats import percentile

SERIES_DEADLINE = 90.0  # seconds any one series may take before the bench gives up on it
MAX_ERROR_SHARE = 0.05


@dataclass(frozen=True)
class Series:
    """`items` (statements, events, pushes or deliveries) carried by `requests` in `seconds`."""

    name: str
    items: int
    requests: int
    seconds: float
    latencies: tuple[float, ...]
    errors: tuple[str, ...] = ()  # unexpected answers ("409 ..."): reported, not hidden
    server_cpu_seconds: float | None = None  # CPU the server side spent on these requests, if measured

    @property
    def per_second(self) -> float:
        return self.items / self.seconds

    def summary(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 1),
            "errors": list(self.errors),
            **(
                {"server_cpu_ms_per_request": round(self.server_cpu_seconds * 1000 / self.requests, 1)}
                if self.server_cpu_seconds is not None and self.requests
                else {}
            ),
        }


def timed(
    name: str, count: int, items_per_request: int, send: Callable[[int], Answer], expect: int
) -> Series:
    """`count` requests one after another, bounded by SERIES_DEADLINE. An answer other than `expect`
    is kept in `errors` (and its items are not counted); more than MAX_ERROR_SHARE of them stops it."""
    deadline = time.monotonic() + SERIES_DEADLINE
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    for index in range(count):
        answer = send(index)
        latencies.append(answer.seconds)
        if answer.status != expect:
            errors.append(f"request {index}: {answer.status} {answer.body[:200].decode(errors='replace')}")
            if len(errors) > MAX_ERROR_SHARE * count:
                raise RuntimeError(f"{name}: too many errors: {errors}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: {index + 1} of {count} requests after {SERIES_DEADLINE} s")
    elapsed = time.perf_counter() - started
    return Series(
        name, (count - len(errors)) * items_per_request, count, elapsed, tuple(latencies), tuple(errors)
    )


def post_batches(
    client: Client,
    path: str,
    batches: Sequence[list[dict[str, Any]]],
    headers: dict[str, str],
    *,
    expect: int,
) -> Series:
    size = len(batches[0]) if batches else 0
    return timed(
        "statements", len(batches), size, lambda i: client.request("POST", path, batches[i], headers), expect
    )


@dataclass(frozen=True)
class Counts:
    batches: int = 20  # of 100 statements: 2,000 statements, as in the reference figures
    batch_size: int = 100
    warmup_batches: int = 2
    events: int = 200
    pushes: int = 200
    deliveries: int = 40


@dataclass(frozen=True)
class Lrs:
    """Where one LRS takes statement batches, and what it answers when it stored one."""

    name: str
    client: Client
    path: str
    headers: dict[str, str]
    expect: int
    # CPU seconds of the processes serving it so far (bench/cputime.py), leaving out the client's
    # own thread; None where it cannot be read
    server_cpu: Callable[[], float] | None = None


def interleaved(
    targets: Sequence[Lrs], batches: Sequence[list[dict[str, Any]]], warmup: Sequence[list[dict[str, Any]]]
) -> dict[str, Series]:
    """Every batch to each LRS in turn (after `warmup`, not counted), so a busy moment of a shared
    machine falls on all of them alike; each LRS's time is the sum of its own request times."""
    for target in targets:
        post_batches(target.client, target.path, warmup, target.headers, expect=target.expect)
    latencies: dict[str, list[float]] = {target.name: [] for target in targets}
    cpu: dict[str, float] = {target.name: 0.0 for target in targets}
    deadline = time.monotonic() + SERIES_DEADLINE * len(targets)
    for index, batch in enumerate(batches):
        for target in targets:
            before = target.server_cpu() if target.server_cpu else 0.0
            answer = target.client.request("POST", target.path, batch, target.headers)
            if target.server_cpu:
                cpu[target.name] += target.server_cpu() - before
            if answer.status != target.expect:
                raise RuntimeError(
                    f"{target.name}: batch {index} answered {answer.status}: {answer.body[:300]!r}"
                )
            latencies[target.name].append(answer.seconds)
        if time.monotonic() > deadline:
            raise TimeoutError(f"statements: {index + 1} of {len(batches)} batches in {SERIES_DEADLINE} s")
    size = len(batches[0]) if batches else 0
    measured = {target.name: target.server_cpu is not None for target in targets}
    return {
        name: Series(
            "statements",
            len(values) * size,
            len(values),
            sum(values),
            tuple(values),
            server_cpu_seconds=cpu[name] if measured[name] else None,
        )
        for name, values in latencies.items()
    }


def collector_target(client: Client, demo: dict[str, Any]) -> tuple[Lrs, dict[str, Any], str]:
    """The collector's track endpoint for a new anonymous session, with the session's actor and object."""
    token, actor, object_id = collector_session(client, demo["trackingCode"])
    return Lrs("trackhub", client, "/api/collector/track", {"Authorization": token}, 200), actor, object_id


def collector_session(client: Client, tracking_code: str) -> tuple[str, dict[str, Any], str]:
    """(authToken, actor, objectId) of a new anonymous collector session."""
    answer = client.request("POST", f"/api/collector/start/{tracking_code}")
    if answer.status != 200:
        raise RuntimeError(f"collector start answered {answer.status}: {answer.body[:300]!r}")
    started = answer.json
    return started["authToken"], started["actor"], started["objectId"]


def _auth(entry: dict[str, Any]) -> dict[str, str]:
    import base64

    pair = f"{entry['userId']}:{entry['apiKey']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def events_series(client: Client, demo: dict[str, Any], counts: Counts) -> Series:
    publisher = demo["publisher"]
    headers = _auth(publisher)
    run = uuid.uuid4().hex[:8]

    def send(index: int) -> Answer:
        event = {
            "PublisherProgramId": publisher["programId"],
            "PublisherEventId": f"bench-{run}-{index}",
            "EventType": "AI_COMP_SUCCESS",
            "PublisherParticipantId": f"learner-{index % 17}@example.com",
            "PublisherEventData": {"score": index % 100},
            "EventStartUtc": "2026-01-15T10:00:00Z",
        }
        return client.request("POST", "/events", event, headers)

    send(-1)  # warm the worker
    return timed("events", counts.events, 1, send, expect=201)


def pushes_series(client: Client, demo: dict[str, Any], counts: Counts) -> Series:
    headers = _auth(demo["apiKey"])

    def send(index: int) -> Answer:
        body = {"webToken": demo["webToken"], "progress": index % 99, "message": f"step {index}"}
        return client.request("POST", "/v1/webtracking/push", body, headers)

    send(0)
    return timed("pushes", counts.pushes, 1, send, expect=200)


def deliveries_series(client: Client, demo: dict[str, Any], receiver: Receiver, counts: Counts) -> Series:
    """Renders with one {WEBHOOK} code each (no lock, so none is suppressed); latency is render sent →
    signed call received by the local HTTPS receiver, through the outbox stream and the SQS queue."""
    headers = _auth(demo["apiKey"])
    run = uuid.uuid4().hex[:8]
    seen: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:  # notes when each delivery arrives (the receiver keeps no timestamps)
        while not done.is_set():
            now = time.perf_counter()
            for request in list(receiver.requests):
                seen.setdefault(request.path, now)
            time.sleep(0.002)

    watcher = threading.Thread(target=watch, name="bench-deliveries", daemon=True)
    watcher.start()
    sent: dict[str, float] = {}
    started = time.perf_counter()
    try:
        for index in range(counts.deliveries):
            path = f"/bench/{run}/{index}"
            code = "{WEBHOOK:" + receiver.url(path) + ":benchsecret:POST:0}"
            sent[path] = time.perf_counter()
            answer = client.request("POST", "/v1/content/render", {"content": f"<p>{code}</p>"}, headers)
            if answer.status != 200 or answer.json.get("queued") != 1:
                raise RuntimeError(f"render answered {answer.status}: {answer.body[:300]!r}")
        deadline = time.monotonic() + SERIES_DEADLINE
        while len([p for p in sent if p in seen]) < len(sent):
            if time.monotonic() > deadline:
                raise TimeoutError(f"deliveries: {len(seen)} of {len(sent)} after {SERIES_DEADLINE} s")
            time.sleep(0.01)
    finally:
        done.set()
        watcher.join(timeout=2)
    elapsed = max(seen[p] for p in sent) - started
    latencies = tuple(seen[p] - sent[p] for p in sent)
    return Series("deliveries", len(sent), len(sent), elapsed, latencies)


def receiver_for(work: Path) -> Receiver:
    return Receiver.start(work / "receiver")


def as_dict(series: Series) -> dict[str, Any]:
    data = asdict(series)
    data.pop("latencies")
    return data
