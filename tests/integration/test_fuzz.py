"""A bounded schemathesis run in CI: every public operation and every admin read, zero failures.

`make fuzz` is the full run (every operation, admin writes included, a stack of its own, more
examples); this keeps a small one on the session stack so that a route whose answers leave its
OpenAPI document, or that answers a 5xx to some input, fails the suite (docs/fuzzing.md).
"""

from __future__ import annotations

import json

from hubtest import http
from hubtest.fuzz import Outcome, passes, run_pass
from hubtest.localhub import Hub

from trackhub.auth.scopes import EVERY_NON_ADMIN_SCOPE
from trackhub_cli.client import AdminClient

MAX_EXAMPLES = 3  # per operation, in the fuzzing phase (the coverage phase adds its boundary cases)
MAX_SECONDS = 30  # per pass; two passes


def _failures(outcome: Outcome) -> str:
    return "\n".join(json.dumps(failure, ensure_ascii=False) for failure in outcome.failures[:20])


def test_schemathesis_finds_no_server_error_and_no_schema_violation(hub: Hub) -> None:
    # Given a tenant of its own, with a key holding every non-admin scope (its writes stay in it)
    admin = AdminClient(hub.url, sign=False, timeout=30)
    account = admin.create_account("Fuzzed tenant")
    key = admin.create_key(account["accountId"], EVERY_NON_ADMIN_SCOPE, "fuzz: every non-admin scope")
    code = admin.create_tracking_code(account["accountId"], "Fuzzed game")["trackingCode"]
    tenant = {
        "programs": list(account["hubPrograms"].values()),
        "trackingCodes": [code],
        "accounts": [account["accountId"]],
    }

    document = http.call("GET", f"{hub.url}/openapi.json").json
    expected = {"public": 0, "admin": 0}
    for path, item in document["paths"].items():
        for method in item:
            if not path.startswith("/admin/"):
                expected["public"] += 1
            elif method == "get":
                expected["admin"] += 1

    for fuzz_pass in passes(key, tenant=tenant, admin_read_only=True):
        # When schemathesis fuzzes the pass's operations against the merged /openapi.json
        outcome = run_pass(hub.url, fuzz_pass, max_examples=MAX_EXAMPLES, max_time=MAX_SECONDS)

        # Then it tested every operation of the pass, and no check failed
        assert outcome.operations == expected[fuzz_pass.name], f"{fuzz_pass.name}:\n{outcome.output}"
        assert not outcome.failures, f"{fuzz_pass.name}:\n{_failures(outcome)}"
        assert outcome.exit_code == 0, (
            f"{fuzz_pass.name}: schemathesis exited {outcome.exit_code}\n{outcome.output}"
        )
