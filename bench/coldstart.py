"""Cold start: each handler's import-and-init time in fresh interpreters, beside the boto3 floor.

A sample is one new interpreter, started with the function's own environment from template.yaml (as
the local stack's workers get it) and `sys.path` = function code, layer, site-packages. It measures
from just before `import app` to just after, so interpreter start-up (the same for every function and
for the floor) is left out. The floor is `import boto3; boto3.client("dynamodb")` in the same kind of
interpreter: the least any handler that talks to DynamoDB can cost. Samples are interleaved (every
function once per round, N rounds, with a floor sample before every FLOOR_EVERY functions) so a busy
moment of the machine falls on all of them alike. The floor divides every ratio, so it gets the most
samples: with one per round, a floor median a few per cent off moved every ratio of a run together.

The project's venv holds more than Lambda will: packages botocore, urllib3 or the X-Ray SDK import
when they find them (pyOpenSSL, awscrt, requests...) but that the built layer does not contain. The
child refuses those imports, so both the floor and the handlers load what they would load in Lambda.
"""

from __future__ import annotations

import site
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import median
from trackhub_local.template import FunctionSpec, Template
from trackhub_local.workers import function_environment

FLOOR = "floor"
FLOOR_EVERY = 8  # functions between two floor samples (69 functions: 9 floor samples a round)
# Runs in the child: path set up like the Lambda runtime, then the one timed import.
_CHILD = """
import sys, time

class NotInLayer:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, NotInLayer())
sys.path[:0] = {path!r}
started, cpu = time.perf_counter(), time.process_time()
{body}
print(time.perf_counter() - started, time.process_time() - cpu)
"""
_FLOOR_BODY = "import boto3\nboto3.client('dynamodb')"
_HANDLER_BODY = "import {module}"
# No endpoint is ever called at import; this one refuses connections if something tried.
_UNUSED_ENDPOINT = "http://127.0.0.1:9"


@dataclass(frozen=True)
class ColdStart:
    function: str  # logical id, or FLOOR
    samples: tuple[float, ...]  # wall seconds
    cpu_samples: tuple[float, ...]  # CPU seconds of the same imports
    # CPU seconds of the floor sample taken just before each sample (at most FLOOR_EVERY functions
    # earlier); empty for the floor itself
    paired_floor_cpu: tuple[float, ...] = ()

    @property
    def paired_ratio(self) -> float:
        """Median of each sample's CPU over its floor sample's: this machine's speed drifts by tens of
        per cent within minutes, and a sample compared with a floor taken seconds before cancels it."""
        pairs = zip(self.cpu_samples, self.paired_floor_cpu, strict=True)
        return median([cpu / floor for cpu, floor in pairs])

    @property
    def median(self) -> float:
        return median(self.samples)

    @property
    def cpu_median(self) -> float:
        return median(self.cpu_samples)


def _child_env(spec: FunctionSpec, template: Template) -> dict[str, str]:
    env = function_environment(spec, template, endpoint_url=_UNUSED_ENDPOINT)
    env.pop("PYTHONPATH", None)  # the child puts the code and layer dirs first itself
    # The local stack disables X-Ray (it has no daemon); Lambda with `Tracing: Active` does not, and
    # the Tracer's imports and patching are part of a real cold start.
    if "POWERTOOLS_TRACE_DISABLED" not in spec.env:
        env.pop("POWERTOOLS_TRACE_DISABLED", None)
    return env


def not_in_layer(layer_dir: Path) -> frozenset[str]:
    """Top-level modules of this interpreter's site-packages that the built layer lacks."""
    present = {_module_name(p) for p in layer_dir.iterdir()}
    found = {_module_name(p) for d in site.getsitepackages() for p in Path(d).iterdir()}
    return frozenset(n for n in found - present if n and n.isidentifier())


def _module_name(path: Path) -> str:
    if path.name.endswith((".dist-info", ".egg-info", ".pth", ".data")):
        return ""
    return path.name.split(".")[0]


def one_sample(spec: FunctionSpec | None, template: Template, blocked: frozenset[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one import-and-init (or of the floor when `spec` is None), fresh interpreter."""
    if spec is None:
        return run_child(_FLOOR_BODY, [], next(iter(template.functions.values())), template, blocked, FLOOR)
    path = [str(spec.code_dir), *(str(layer) for layer in spec.layer_dirs)]
    body = _HANDLER_BODY.format(module=spec.handler.rpartition(".")[0])
    return run_child(body, path, spec, template, blocked, spec.logical_id)


def run_child(
    body: str, path: list[str], spec: FunctionSpec, template: Template, blocked: frozenset[str], name: str
) -> tuple[float, float]:
    """(wall, CPU) seconds of `body` in a fresh interpreter with `path` first on sys.path and the
    environment (and working directory) of `spec`'s function; `blocked` modules cannot be imported."""
    code = _CHILD.format(path=path, body=body, blocked=sorted(blocked))
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        env=_child_env(spec, template),
        cwd=str(spec.code_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold start of {name} failed: {result.stderr[-2000:]}")
    wall, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def measure(
    template: Template,
    rounds: int,
    blocked: frozenset[str],
    only: Callable[[FunctionSpec], bool] = lambda _: True,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, ColdStart]:
    """{FLOOR or logical id: samples}; `rounds` fresh interpreters each, interleaved."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    specs = [spec for spec in template.functions.values() if only(spec)]
    samples: dict[str, list[tuple[float, float]]] = {FLOOR: [], **{spec.logical_id: [] for spec in specs}}
    paired: dict[str, list[float]] = {spec.logical_id: [] for spec in specs}
    for round_number in range(rounds):
        progress(f"cold starts: round {round_number + 1} of {rounds} ({len(specs)} functions)")
        for index, spec in enumerate(specs):
            if index % FLOOR_EVERY == 0:
                samples[FLOOR].append(one_sample(None, template, blocked))
            samples[spec.logical_id].append(one_sample(spec, template, blocked))
            paired[spec.logical_id].append(samples[FLOOR][-1][1])
    return {
        name: ColdStart(
            name, tuple(w for w, _ in values), tuple(c for _, c in values), tuple(paired.get(name, ()))
        )
        for name, values in samples.items()
    }


def summary(results: dict[str, ColdStart]) -> dict[str, Any]:
    """Ratios use CPU time: imports are CPU-bound, so on an idle machine wall ≈ CPU, and on a shared
    one CPU time is what stays comparable (wall time grows with everyone else's load). `ratio` is the
    median of per-sample ratios to the floor sample taken just before; `ratio_of_medians` divides
    the two medians of the whole run, which drift during a run moves."""
    floor, floor_cpu = results[FLOOR].median, results[FLOOR].cpu_median
    return {
        "floor_s": round(floor, 4),
        "floor_cpu_s": round(floor_cpu, 4),
        "functions": {
            name: {
                "median_s": round(result.median, 4),
                "cpu_median_s": round(result.cpu_median, 4),
                # the target's figure: paired with the floor sample taken just before each sample
                "ratio": round(result.paired_ratio, 2),
                "ratio_of_medians": round(result.cpu_median / floor_cpu, 2),
                "wall_ratio": round(result.median / floor, 2),
                "samples_s": [round(s, 4) for s in result.samples],
                "cpu_samples_s": [round(s, 4) for s in result.cpu_samples],
            }
            for name, result in sorted(results.items())
            if name != FLOOR
        },
    }
