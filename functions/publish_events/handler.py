"""The transactions table's stream: each settlement becomes one stored event, queued for the app's webhook.

A record that fails is reported alone (partial batch response): Lambda retries from it, and the events
written before it are not written twice (their ids are stable, their writes conditional)."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.runtime import event_publisher

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def publish(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    if change is not None:
        event_publisher().publish(change.old_image or None, change.new_image or None)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=publish, processor=processor, context=context)
