"""The webhook queue: each message is one event to sign and POST to its app's endpoint.

The batch's deliveries run at once (a slow endpoint holds the batch for one timeout, not one per
message). A failed one is reported alone and shows again after the retry schedule's back-off; after
the schedule's last attempt SQS moves it to the dead-letter queue."""

import asyncio
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway.config import get_settings
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.runtime import delivery_queue, webhook_deliverer
from mpesa_gateway.store.queues import event_id_of
from mpesa_gateway.webhooks.schedule import MAX_ATTEMPTS, delay_seconds_for_sqs

# A batch whose every delivery failed is an ordinary answer (each message has its back-off), not a
# function error: that would count against the function's error alarm at every failed attempt.
processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class DeliveryFailed(Exception):
    """The endpoint did not take the event this time; the queue shows it again later."""


def deliver(record: SQSRecord) -> None:
    receive_count = int(record.attributes.approximate_receive_count)
    if webhook_deliverer().deliver(event_id_of(record.body), receive_count):
        return
    # After the last attempt the message goes straight back, for SQS to move it to the dead-letter queue.
    last = receive_count >= MAX_ATTEMPTS
    delay = 0 if last else delay_seconds_for_sqs(receive_count, get_settings().webhook_retry_base_seconds)
    delivery_queue().retry_later(record.receipt_handle, delay)
    raise DeliveryFailed(f"attempt {receive_count} failed; next in {delay} s")


async def deliver_in_thread(record: SQSRecord) -> None:
    await asyncio.to_thread(deliver, record)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return async_process_partial_response(
        event=event, record_handler=deliver_in_thread, processor=processor, context=context
    )
