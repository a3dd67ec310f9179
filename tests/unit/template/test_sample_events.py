"""Every events/*.json sample (for `sam local invoke -e`) is a valid event for its function."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hubtest.functions import LambdaContext, invoke, load_function
from hubtest.template import project_template

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted(
    (p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()), key=len, reverse=True
)
SAMPLES = sorted((ROOT / "events").glob("*.json"))


def _function_of(sample: Path) -> str:
    return next(f for f in FUNCTIONS if sample.stem.startswith(f"{f}_"))


@pytest.fixture
def hub_queues(hub_tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The template's queues in the same moto backend, their URLs in the functions' variables."""
    import boto3

    from trackhub.config import reset_settings
    from trackhub_local.resources import create_queues

    urls = create_queues(boto3.client("sqs", region_name="us-east-1"), project_template())
    for logical_id, variable in QUEUE_ENV.items():
        if logical_id in urls:
            monkeypatch.setenv(variable, urls[logical_id])
    reset_settings()
    return urls


# Environment variable each function reads for a queue, by the queue's logical id in the template.
QUEUE_ENV = {"WebhookDeliveryQueue": "WEBHOOK_QUEUE_URL", "WebhookDeliveryDLQ": "WEBHOOK_DLQ_URL"}


@pytest.mark.usefixtures("hub_queues")
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_sample_event_is_routed_and_answered_without_a_server_error(sample: Path) -> None:
    event = json.loads(sample.read_text())
    if "Records" in event:  # an event-source sample (SQS, DynamoDB stream): every record handled
        result = load_function(_function_of(sample)).lambda_handler(event, LambdaContext())
        assert result == {"batchItemFailures": []}, result
        return
    reply = invoke(_function_of(sample), event)
    assert reply.status < 500, reply.body
    assert reply.status != 404 or "Not found" not in reply.body, (
        "the sample does not match the function's route"
    )
