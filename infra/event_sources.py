"""Event source mappings for the route table's STREAMS (DynamoDB Streams) and QUEUES (SQS).

Both report partial batch failures, so what a function already handled is not handled again: SQS makes
only the failed messages visible again, and a stream shard resumes from its first failed record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.functions import construct_name
from infra.messaging import Queues, failure_queue
from infra.routes import Function, QueueSubscription, StreamSubscription
from infra.storage import Storage

# A burst of settlements fills a batch within this, at the cost of that much delay to a quiet queue.
QUEUE_BATCHING_WINDOW = Duration.seconds(1)
# Concurrent invocations one queue may drive (SQS's floor is 2). A backlog of retries after a merchant
# outage then cannot take the account's concurrency from the callback functions (Safaricom never
# retries a callback). Unlike reserved concurrency it holds messages back instead of throttling them,
# which would count a receive against the queue's max_receive_count.
QUEUE_MAX_CONCURRENCY = 5


def published_items_filter(stream: StreamSubscription) -> Mapping[str, Any]:
    """Lambda's event filter: invoke only for an item whose partition key has one of the prefixes."""
    prefixes = [rule for prefix in stream.key_prefixes for rule in lambda_.FilterRule.begins_with(prefix)]
    return lambda_.FilterCriteria.filter({"dynamodb": {"Keys": {"pk": {"S": prefixes}}}})


class EventSources(Construct):
    """Feeds each subscribed function; `stream_failures[subscription]` holds the batches it gave up on."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stream_subscriptions: Iterable[StreamSubscription],
        queue_subscriptions: Iterable[QueueSubscription],
        handlers: Mapping[Function, lambda_.IFunction],
        storage: Storage,
        queues: Queues,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stream_failures: dict[StreamSubscription, sqs.Queue] = {}
        for stream in stream_subscriptions:
            self._subscribe_to_stream(stream, handlers[stream.function], storage)
        for subscription in queue_subscriptions:
            # SqsEventSource grants the consumer sqs:ChangeMessageVisibility with receive and delete
            # (grant_consume_messages): the consumer's back-off between delivery attempts needs it.
            handlers[subscription.function].add_event_source(
                event_sources.SqsEventSource(
                    queues[subscription.queue],
                    batch_size=subscription.batch_size,
                    max_batching_window=QUEUE_BATCHING_WINDOW,
                    max_concurrency=QUEUE_MAX_CONCURRENCY,
                    report_batch_item_failures=True,
                )
            )

    def _subscribe_to_stream(
        self, stream: StreamSubscription, handler: lambda_.IFunction, storage: Storage
    ) -> None:
        failures = failure_queue(self, f"{construct_name(stream.function)}StreamFailures")
        nag.acknowledge(
            failures,
            "SQS3",
            "This queue is itself the failure destination of a stream event source mapping: it holds the "
            "descriptions of stream batches given up on for an operator, and nothing consumes it to fail.",
        )
        self.stream_failures[stream] = failures
        handler.add_event_source(
            event_sources.DynamoEventSource(
                storage[stream.table],
                # A subscriber deployed after the table first reads the 24 hours the stream keeps.
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=stream.batch_size,
                bisect_batch_on_error=True,
                retry_attempts=stream.retry_attempts,
                report_batch_item_failures=True,
                on_failure=event_sources.SqsDlq(failures),
                filters=[published_items_filter(stream)],
            )
        )
