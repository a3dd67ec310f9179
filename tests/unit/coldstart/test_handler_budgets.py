"""Cold start guards per handler: what each one alone imports and creates at init, without a clock.

Creating a pydantic model class costs about 0.3 ms of CPU even with its validator deferred (pydantic
collects the fields when the class is defined), and every module loaded adds to what the garbage
collector walks, so an HTTP handler's own code has ~12 ms left under the 1.3x target
(docs/performance.md, "Cold start"). Each handler is imported alone, as in its own Lambda
environment: a parent interpreter loads the third-party packages every handler shares, then forks one
child per handler, which imports it and reports the trackhub modules and model classes it created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hubtest import fresh

ROOT = Path(__file__).resolve().parents[3]
HANDLERS = sorted(ROOT.glob("functions/*/app.py"))


@dataclass(frozen=True)
class Family:
    name: str
    dirs: str  # regex over functions/<dir>
    max_models: int  # trackhub model classes created at import, settings classes included
    forbidden: tuple[str, ...]  # modules (or packages) its handlers must not load at init


_RENDER_PATH = (
    "trackhub.webhooks.render",
    "trackhub.webhooks.codes",
    "trackhub.webhooks.context",
    "trackhub.webhooks.lock",
    "trackhub.webhooks.snippet",
)

# Budgets are today's counts: HubModel is shared by every handler (a settings class is created by its
# accessor's first call, not at import); the rest is the family's domain models and its route's own
# bodies. Raising one means a handler now creates classes at init: check it needs them there
# (docs/performance.md).
FAMILIES = (
    Family("health", r"health", 2, ("trackhub.tenancy", "trackhub.auth.authorize", "trackhub.events")),
    Family(
        "tenancy admin",
        r"whoami|admin_(create|list|revoke)_(accounts?|keys?|programs?|subscriptions?)",
        6,
        (
            "trackhub.events",
            "trackhub.webtracking",
            "trackhub.webhooks",
            "trackhub.collector",
            "trackhub.xapi",
        ),
    ),
    Family(
        "web tracking",
        r"webtracking_.*|admin_(create|list)_(activit(y|ies)|pathways?|users?|launch)",
        5,
        # the event store is loaded by the first push that publishes (webtracking/service.py)
        (
            "trackhub.events.service",
            "trackhub.events.models",
            "trackhub.events.repository",
            "trackhub.collector",
            "trackhub.xapi",
            "trackhub.webhooks",
        ),
    ),
    Family(
        "collector admin",
        r"admin_.*(tracking_code|jwt).*|admin_delete_player",
        9,
        ("trackhub.events", "trackhub.xapi", "trackhub.webtracking", "trackhub.webhooks"),
    ),
    Family(
        "collector",
        r"collector_.*",
        8,
        # its routes read the raw event: no Powertools validation (make_resolver(validation=False))
        (
            "trackhub.webtracking",
            "trackhub.webhooks",
            "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
        ),
    ),
    Family(
        "events",
        r"events_.*",
        10,
        ("trackhub.webtracking", "trackhub.collector", "trackhub.xapi", "trackhub.webhooks"),
    ),
    Family(
        "webhooks render",
        r"content_render",
        13,
        ("trackhub.events", "trackhub.webtracking", "trackhub.collector", "trackhub.xapi"),
    ),
    Family(
        "webhooks HTTP",
        r"webhooks_.*|usage_get|admin_redrive_webhooks",
        5,
        # the render path (code parser, viewer context, lock, snippets) is content_render's alone;
        # creating a subscription loads the parser on its first call (webhooks/service.py)
        ("trackhub.events", "trackhub.webtracking", "trackhub.collector", "trackhub.xapi", *_RENDER_PATH),
    ),
    Family(
        "webhook consumers",
        r"webhook_(deliver|fanout|outbox)",
        0,
        ("trackhub.events", "trackhub.webtracking", "trackhub.collector", "trackhub.xapi", *_RENDER_PATH),
    ),
    Family(
        "xapi",
        r"xapi_.*",
        0,
        # the event store is loaded by the first write with a completion to publish (xapi/completion.py);
        # its routes read the raw event and answer Response objects: no Powertools validation
        (
            "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
            "trackhub.events.models",
            "trackhub.events.service",
            "trackhub.events.repository",
            "trackhub.webtracking",
            "trackhub.collector",
            "trackhub.webhooks",
        ),
    ),
)

_CHILD = """
import importlib.util, json, os
# What every handler loads whatever its code: loaded once, before the forks.
import boto3, pydantic
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

def report(path):
    spec = importlib.util.spec_from_file_location("app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    models = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in set(subclasses(pydantic.BaseModel))
        if cls.__module__.startswith("trackhub.")
    )
    loaded = sorted(m for m in sys.modules if m.startswith(("trackhub", "aws_lambda_powertools")))
    return {"modules": loaded, "models": models}

"""


def family_of(handler: Path) -> Family:
    matches = [f for f in FAMILIES if re.fullmatch(f.dirs, handler.parent.name)]
    assert len(matches) == 1, f"{handler.parent.name} is in {len(matches)} families: {matches}"
    return matches[0]


@pytest.fixture(scope="module")
def alone() -> dict[str, dict[str, list[str]]]:
    """{functions/<dir>: what importing its app.py alone loaded and created}."""
    results: dict[str, dict[str, list[str]]] = fresh.run(
        _CHILD + fresh.per_path_in_forks([str(p) for p in HANDLERS]), timeout=240
    )
    return {Path(path).parent.name: result for path, result in results.items()}


def test_every_handler_is_in_one_family() -> None:
    # Given every functions/*/app.py / Then each has a budget (a new handler must be given one)
    assert len(HANDLERS) >= 50
    for handler in HANDLERS:
        family_of(handler)


def test_the_model_count_is_real(alone: dict[str, dict[str, list[str]]]) -> None:
    # Given every handler imported alone / Then an HTTP handler's count includes the shared base
    # model (a counter that found nothing would let every budget pass; queue workers may create none)
    assert "trackhub.base_model.HubModel" in alone["health"]["models"]


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_handler_stays_within_its_model_budget(alone: dict[str, dict[str, list[str]]], handler: Path) -> None:
    # Given the handler imported alone in a fresh process
    result = alone[handler.parent.name]
    assert "error" not in result, result
    family = family_of(handler)
    # Then it loaded its code and created no more model classes than its family's budget
    assert "trackhub" in result["modules"]
    assert len(result["models"]) <= family.max_models, (
        f"{handler.parent.name} ({family.name}) created {len(result['models'])} trackhub model classes "
        f"at import, budget {family.max_models}: {result['models']}"
    )


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_handler_loads_no_other_familys_domain(alone: dict[str, dict[str, list[str]]], handler: Path) -> None:
    # Given the handler imported alone in a fresh process
    modules = alone[handler.parent.name]["modules"]
    family = family_of(handler)
    # Then none of the modules its family must not load at init is among them
    loaded = [m for m in modules for f in family.forbidden if m == f or m.startswith(f + ".")]
    assert not loaded, f"{handler.parent.name} ({family.name}) loaded at init: {loaded}"


# Routes with no body or query model (path strings, the principal, the raw event) skip Powertools'
# request and response validation: its middlewares and their setup are ~15 ms of an init.
_UNVALIDATED = re.compile(r"make_resolver\([^)]*validation=False")
UNVALIDATED = [p for p in HANDLERS if _UNVALIDATED.search(p.read_text(encoding="utf-8"))]
VALIDATION_MIDDLEWARE = "aws_lambda_powertools.event_handler.middlewares.openapi_validation"


def test_most_handlers_skip_validation() -> None:
    # Given the handlers / Then the GET/DELETE routes, xAPI and the collector build unvalidated resolvers
    assert len(UNVALIDATED) >= 40


@pytest.mark.parametrize("handler", UNVALIDATED, ids=lambda p: p.parent.name)
def test_unvalidated_handler_loads_no_validation_middleware(
    alone: dict[str, dict[str, list[str]]], handler: Path
) -> None:
    # Given a handler built without validation, imported alone / Then Powertools' middleware is absent
    assert VALIDATION_MIDDLEWARE not in alone[handler.parent.name]["modules"]


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_handler_loads_only_its_own_route_bodies(
    alone: dict[str, dict[str, list[str]]], handler: Path
) -> None:
    # Given the handler imported alone in a fresh process
    modules = alone[handler.parent.name]["modules"]
    # Then of the per-resource body modules (trackhub.<domain>.api_models.<resource>) it loaded one at most
    bodies = [
        m for m in modules if re.fullmatch(r"trackhub\.\w+\.api_models\.\w+", m) and not m.endswith(".common")
    ]
    assert len(bodies) <= 1, f"{handler.parent.name} loaded the bodies of other routes: {bodies}"
