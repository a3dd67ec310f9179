"""What a handler's cold start is made of: the CPU time of each piece alone, beside the boto3 floor.

    PYTHONPATH=tests:. python -m bench.components [--rounds 9]

Each piece runs in a fresh interpreter exactly like a cold-start sample (bench/coldstart.py: the
function's environment, the built layer's modules only), interleaved with the floor. The pieces
overlap (the resolver needs pydantic, Logger and the resolver share Powertools' logging), so they do
not add up; "least handler" is what every HTTP handler pays whatever its own code does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import coldstart, sizes
from bench.stats import median
from trackhub_local.template import Template, load_template

ROOT = Path(__file__).resolve().parents[1]

_RESOLVER = (
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
    "APIGatewayRestResolver(enable_validation=True)\n"
)
_LOGGER_METRICS = "from aws_lambda_powertools import Logger, Metrics\nLogger(); Metrics()\n"
_TRACER = "from aws_lambda_powertools import Tracer\nTracer(patch_modules=('botocore', 'httplib'))\n"
PIECES: dict[str, str] = {
    "floor: import boto3 + client": coldstart._FLOOR_BODY,
    "import boto3": "import boto3",
    "import pydantic": "import pydantic",
    "import Powertools' event_handler package": "import aws_lambda_powertools.event_handler",
    "event_handler + APIGatewayRestResolver(enable_validation=True)": _RESOLVER,
    "Logger() + Metrics()": _LOGGER_METRICS,
    "least handler: import boto3 + resolver + Logger + Metrics": "import boto3\n"
    + _RESOLVER
    + _LOGGER_METRICS,
    "least handler + Tracer(patch botocore, httplib), as before LazyTracer": (
        "import boto3\n" + _RESOLVER + _LOGGER_METRICS + _TRACER
    ),
}


def cpu_sample(body: str, template: Template, blocked: frozenset[str]) -> float:
    """CPU seconds of `body` in a fresh interpreter set up like a cold-start sample."""
    spec = template.functions["HealthFunction"]
    path = [str(spec.code_dir), *map(str, spec.layer_dirs)]
    return coldstart.run_child(body, path, spec, template, blocked, "a component")[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.components")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    template = load_template(ROOT / "template.yaml")
    with sizes.built() as build_dir:
        blocked = coldstart.not_in_layer(build_dir / "SharedLayer" / "python")
    samples: dict[str, list[float]] = {name: [] for name in PIECES}
    for _ in range(args.rounds):
        for name, body in PIECES.items():
            samples[name].append(cpu_sample(body, template, blocked))
    floor = median(samples["floor: import boto3 + client"])
    width = max(map(len, PIECES))
    for name, values in samples.items():
        print(f"{name:<{width}} | {median(values) * 1000:6.1f} ms CPU | {median(values) / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
