"""WebhookDeliveryQueue consumer: one attempt per message, retries on the schedule, partial failures."""

import trackhub  # noqa: F401 - before Powertools' batch utility (trackhub/lazy_packages.py)

# isort: split

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from trackhub.observability import logger, metrics, tracer
from trackhub.webhooks.dispatch import Message, process

# Every item reports its own failure (its visibility is already set): never fail the whole batch.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> str:
    remaining = lambda_context.get_remaining_time_in_millis()
    message = Message(
        body=record.body,
        receipt_handle=record.receipt_handle,
        receive_count=int(record.attributes.approximate_receive_count or "1"),
    )
    return process(message, remaining).value


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
