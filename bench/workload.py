"""The statement batches both LRSs ingest: the same JSON for trackhub and for Ralph."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

# Verbs a game tracker sends (RAGE's xAPI profile); "completed" is left out on purpose: it also
# publishes a hub event, which the events/s row measures on its own.
VERBS = (
    "http://adlnet.gov/expapi/verbs/initialized",
    "http://adlnet.gov/expapi/verbs/progressed",
    "https://w3id.org/xapi/seriousgames/verbs/accessed",
    "https://w3id.org/xapi/adb/verbs/selected",
)


def statement(actor: dict[str, Any], object_id: str, index: int, at: datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": VERBS[index % len(VERBS)], "display": {"en-US": VERBS[index % len(VERBS)][-10:]}},
        "object": {
            "id": f"{object_id}/zone/{index % 7}",
            "definition": {"type": "https://w3id.org/xapi/seriousgames/activity-types/zone"},
        },
        "result": {"extensions": {"https://w3id.org/xapi/seriousgames/extensions/progress": index % 100}},
        "timestamp": (at + timedelta(milliseconds=index)).isoformat().replace("+00:00", "Z"),
    }


def batches(actor: dict[str, Any], object_id: str, *, count: int, size: int) -> list[list[dict[str, Any]]]:
    """`count` batches of `size` statements, each with its own id (an LRS stores each once)."""
    at = datetime.now(UTC)
    return [[statement(actor, object_id, b * size + i, at) for i in range(size)] for b in range(count)]
