"""xAPI statement validators side by side: our rule table, Ralph's pydantic model, tincan.

    python -m bench.xapi_validation [--runs 7] [--seconds 2] [--out bench/xapi_validation.json]

Each candidate runs in its own interpreter (its own venv): import time is measured in N fresh
interpreters (median, wall and CPU), then one worker validates the VALID statements in a loop
(statements per CPU second, median of 5 rounds) and the INVALID probes once (how many it rejects).
Venvs: RALPH_VENV (default bench/.ralph-venv, as bench/ralph.py creates it:
`pip install ralph-malph[backend-fs,lrs]==5.1.0`) and TINCAN_VENV (default bench/.tincan-venv:
`pip install tincan==1.0.0`); a missing venv skips its candidate.
docs/xapi-validation.md records a run and the decision it supports.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

ACTOR = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}
VERB = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}}
ACTIVITY = {
    "objectType": "Activity",
    "id": "http://example.com/activities/q1",
    "definition": {
        "name": {"en-US": "Question 1"},
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": "choice",
        "correctResponsesPattern": ["a"],
        "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b", "description": {"en-US": "B"}}],
    },
}
BASE: dict[str, Any] = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": ACTOR,
    "verb": VERB,
    "object": ACTIVITY,
    "timestamp": "2024-02-29T23:59:59.123+01:00",
}

# Valid statements of the shapes trackers send: minimal, with result and context, a group actor.
VALID: list[dict[str, Any]] = [
    {
        "actor": {"mbox": "mailto:bob@example.com"},
        "verb": {"id": VERB["id"]},
        "object": {"id": ACTIVITY["id"]},
    },
    BASE,
    {
        **BASE,
        "result": {
            "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
            "success": True,
            "completion": True,
            "duration": "PT1M30.5S",
            "extensions": {"http://example.com/ext/attempts": 2},
        },
        "context": {
            "registration": "6fbd6c6e-51ba-4d1b-8e7c-3b9a2c3a0f11",
            "contextActivities": {"parent": [{"id": "http://example.com/activities/quiz"}]},
            "platform": "web",
            "language": "en-US",
            "extensions": {"http://example.com/ext/session": "s1"},
        },
    },
    {
        **BASE,
        "actor": {
            "objectType": "Group",
            "name": "Team",
            "member": [ACTOR, {"openid": "http://openid.example/1"}],
        },
        "object": {"objectType": "StatementRef", "id": "6fbd6c6e-51ba-4d1b-8e7c-3b9a2c3a0f11"},
    },
]


def _with(**changes: Any) -> dict[str, Any]:
    return copy.deepcopy({**BASE, **changes})


# Invalid probes, one per kind of rule the ADL suite exercises (label: what is wrong).
INVALID: dict[str, dict[str, Any]] = {
    "unknown top-level key (case)": {**_with(), "Actor": ACTOR},
    "null value": _with(actor={**ACTOR, "name": None}),
    "missing verb": {k: v for k, v in BASE.items() if k != "verb"},
    "id not a UUID": _with(id="MA97B177-9383-4934-8543-0F91A7A02836"),
    "mbox without mailto": _with(actor={"mbox": "ann@example.com"}),
    "agent with two IFIs": _with(actor={"mbox": "mailto:a@example.com", "openid": "http://o.example/1"}),
    "anonymous group without members": _with(actor={"objectType": "Group", "name": "g"}),
    "verb id without scheme": _with(verb={"id": "adlnet.gov/expapi/verbs/answered"}),
    "bad language tag": _with(verb={"id": VERB["id"], "display": {"something": "x"}}),
    "interactionType wrong case": _with(object={**ACTIVITY, "definition": {"interactionType": "choiCe"}}),
    "StatementRef id not a UUID": _with(object={"objectType": "StatementRef", "id": "wrong"}),
    "nested SubStatement": _with(
        object={
            "objectType": "SubStatement",
            "actor": ACTOR,
            "verb": VERB,
            "object": {"objectType": "SubStatement", "actor": ACTOR, "verb": VERB, "object": ACTIVITY},
        }
    ),
    "scaled score > 1": _with(result={"score": {"scaled": 1.5}}),
    "raw outside min..max": _with(result={"score": {"raw": 11, "min": 0, "max": 10}}),
    "success as a string": _with(result={"success": "true"}),
    "duration not ISO 8601": _with(result={"duration": "P4W1D"}),
    "revision with a non-Activity object": _with(
        object={"objectType": "Agent", "mbox": "mailto:b@example.com"}, context={"revision": "1"}
    ),
    "extension key not an IRI": _with(context={"extensions": {"example.com/ext": 1}}),
    "timestamp with -00:00": _with(timestamp="2008-09-15T15:53:00.601-00:00"),
    "version 1.1.0": _with(version="1.1.0"),
    "authority group of three": _with(
        authority={"objectType": "Group", "member": [ACTOR, {"mbox": "mailto:b@example.com"}, ACTOR]}
    ),
}

CANDIDATES: dict[str, dict[str, str]] = {
    "trackhub rule table": {
        "import": "from trackhub.xapi.validation import validate_statement as check",
        "module": "trackhub.xapi.validation",
    },
    "Ralph BaseXapiStatement": {
        "import": "from ralph.models.xapi.base.statements import BaseXapiStatement\n"
        "check = BaseXapiStatement.model_validate",
        "module": "ralph.models.xapi.base.statements",
    },
    "tincan Statement": {"import": "from tincan import Statement as check", "module": "tincan"},
}

# Wall and CPU time: on a shared machine the CPU time is the steadier of the two.
IMPORT_SNIPPET = (
    "import time\nw, c = time.perf_counter(), time.process_time()\n{import}\n"
    "print(time.perf_counter() - w, time.process_time() - c)\n"
)

WORKER = """
import json, sys, time
{import}
data = json.load(sys.stdin)
valid, invalid, seconds = data["valid"], data["invalid"], data["seconds"]
accepted = 0
for statement in valid:
    try:
        check(statement)
        accepted += 1
    except Exception:
        pass
rejected = []
for label, statement in invalid.items():
    try:
        check(statement)
    except Exception:
        rejected.append(label)
rates = []
for _ in range(5):
    count, start = 0, time.process_time()
    while time.process_time() - start < seconds / 5:
        for statement in valid:
            check(statement)
        count += len(valid)
    rates.append(count / (time.process_time() - start))
print(json.dumps({{"valid_accepted": accepted, "rejected": rejected, "rates": rates}}))
"""


def interpreters() -> dict[str, tuple[str, dict[str, str]]]:
    """Each candidate's python and environment; a missing venv leaves its candidate out."""
    ralph = Path(os.environ.get("RALPH_VENV", ROOT / "bench" / ".ralph-venv")) / "bin" / "python"
    tincan = Path(os.environ.get("TINCAN_VENV", ROOT / "bench" / ".tincan-venv")) / "bin" / "python"
    ours_env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "shared")}
    bare_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found = {"trackhub rule table": (sys.executable, ours_env)}
    if ralph.exists():
        found["Ralph BaseXapiStatement"] = (str(ralph), bare_env)
    if tincan.exists():
        found["tincan Statement"] = (str(tincan), bare_env)
    return found


def run(python: str, env: dict[str, str], code: str, stdin: str = "") -> str:
    done = subprocess.run(  # noqa: S603 - a candidate's own interpreter and our fixed snippet
        [python, "-c", code], input=stdin, capture_output=True, text=True, env=env, check=True, timeout=300
    )
    return done.stdout.strip().splitlines()[-1]


def measure(name: str, python: str, env: dict[str, str], runs: int, seconds: float) -> dict[str, Any]:
    spec = CANDIDATES[name]
    imports = [
        [float(t) for t in run(python, env, IMPORT_SNIPPET.format(**spec)).split()] for _ in range(runs)
    ]
    payload = json.dumps({"valid": VALID, "invalid": INVALID, "seconds": seconds})
    work = json.loads(run(python, env, WORKER.format(**spec), payload))
    return {
        "candidate": name,
        "import_wall_ms_median": round(statistics.median(wall for wall, _ in imports) * 1000, 1),
        "import_cpu_ms_median": round(statistics.median(cpu for _, cpu in imports) * 1000, 1),
        "import_wall_ms_runs": [round(wall * 1000, 1) for wall, _ in imports],
        "statements_per_s": round(statistics.median(work["rates"])),
        "valid_accepted": f"{work['valid_accepted']}/{len(VALID)}",
        "invalid_rejected": f"{len(work['rejected'])}/{len(INVALID)}",
        "missed": sorted(set(INVALID) - set(work["rejected"])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters for the import time")
    parser.add_argument("--seconds", type=float, default=2.0, help="validation loop time per candidate")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    results = [
        measure(name, python, env, args.runs, args.seconds) for name, (python, env) in interpreters().items()
    ]
    print(
        f"| validator | import, median of {args.runs} (wall / CPU ms) | valid statements per CPU-s "
        "| valid accepted | invalid rejected |"
    )
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['candidate']} | {r['import_wall_ms_median']} / {r['import_cpu_ms_median']} "
            f"| {r['statements_per_s']:,} "
            f"| {r['valid_accepted']} | {r['invalid_rejected']} |"
        )
    for r in results:
        if r["missed"]:
            print(f"\n{r['candidate']} accepted: " + "; ".join(r["missed"]))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
