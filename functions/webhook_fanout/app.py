"""EventsTable stream consumer: each event committed to a feed becomes deliveries for its subscriptions."""

import trackhub  # noqa: F401 - before Powertools' batch utility (trackhub/lazy_packages.py)

# isort: split

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackhub.observability import logger, metrics, tracer
from trackhub.webhooks.fanout import fan_out, published_event

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def record_handler(record: DynamoDBRecord) -> None:
    event = published_event(record.raw_event)
    if event is not None:
        fan_out(event)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
