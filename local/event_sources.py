"""Lambda's event source mappings locally: each function subscribed to a table's stream (routes.STREAMS) or to
a queue (routes.QUEUES) fed by a poller thread, with the events and partial-failure answers Lambda uses
(in its containers under `make dev`, as the API's functions are).

- Streams: every shard followed from TRIM_HORIZON (only items whose key has one of its key_prefixes),
  parents before their children, at most batch_size
  records per call, in order per shard. A `batchItemFailures` answer (ReportBatchItemFailures) retries
  from the first failed record on; a failed call retries the batch. After the subscription's retry_attempts
  the rest of the batch is logged and skipped, where Lambda would hand it to an on-failure destination.
- Queues: up to batch_size messages per call; every message the answer does not list in
  `batchItemFailures` is deleted, the listed ones come back after their visibility timeout (or sooner
  if the function changes it), and SQS's redrive policy moves a message to the dead-letter queue after
  the queue's max_receive_count receives. A failed call deletes nothing.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import boto3

from infra.routes import Function, QueueSubscription, StreamSubscription
from local.apigw.invoker import FunctionError, FunctionInvoker

logger = logging.getLogger("local.event_sources")

# Lambda retries a stream batch until its records expire unless the mapping bounds it; locally a function
# that always fails (a placeholder handler) must not hold its shard for a day.
SQS_RECEIVE_MAX = 10  # ReceiveMessage and DeleteMessageBatch take at most ten messages
SQS_WAIT_SECONDS = 1  # a short long-poll: a message that arrives is delivered at once


def reported_failures(answer: Any, identifiers: Sequence[str]) -> set[str]:
    """The identifiers a `{"batchItemFailures": [{"itemIdentifier": ...}]}` answer reports as failed.

    As Lambda does: no answer or an empty list is success; an entry without an itemIdentifier of this
    batch makes the whole batch a failure."""
    if not isinstance(answer, dict) or not answer.get("batchItemFailures"):
        return set()
    entries = answer["batchItemFailures"]
    known = set(identifiers)
    if isinstance(entries, list):
        named = [entry.get("itemIdentifier") if isinstance(entry, dict) else None for entry in entries]
        if all(name in known for name in named):
            return {identifier for identifier in known if identifier in named}
    logger.error("batchItemFailures names no record of this batch (%r): the whole batch failed", entries)
    return known


def stream_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as Lambda passes it: JSON (creation time in epoch seconds, binary values in
    base64), with the region and the stream's ARN."""
    change = record["dynamodb"]
    as_lambda_passes_it: dict[str, Any] = _json_ready(
        {
            **record,
            "awsRegion": region,
            "dynamodb": {
                **change,
                "ApproximateCreationDateTime": int(change["ApproximateCreationDateTime"].timestamp()),
            },
            "eventSourceARN": stream_arn,
        }
    )
    return as_lambda_passes_it


def queue_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received SQS message as Lambda passes it."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "dataType": value["DataType"],
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": _json_ready(value.get("BinaryListValues", [])),
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _json_ready(value["BinaryValue"])
    return attribute


def _json_ready(value: Any) -> Any:
    """boto3's bytes back to the base64 text they were on the wire (and are in Lambda's events)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


class EventSourcePollers:
    """A thread per subscription; all stop when `stopping` is set."""

    def __init__(
        self,
        streams: Iterable[StreamSubscription],
        queues: Iterable[QueueSubscription],
        invoker: FunctionInvoker,
        stopping: threading.Event,
        poll_seconds: float = 0.2,
    ) -> None:
        """poll_seconds: the pause when a stream has nothing new, after an error, and between retries."""
        self._streams = tuple(streams)
        self._queues = tuple(queues)
        self._invoker = invoker
        self._stopping = stopping
        self._poll_seconds = poll_seconds
        for subscription in self._streams:
            if not subscription.table.stream:
                raise ValueError(
                    f"{subscription.function.name}: table {subscription.table.local_name} has no stream"
                )

    def start(self) -> None:
        pollers: list[tuple[str, Callable[[], None]]] = [
            (f"stream-{stream.function.name}", StreamPoller(stream, self).run) for stream in self._streams
        ]
        pollers += [(f"queue-{queue.function.name}", QueuePoller(queue, self).run) for queue in self._queues]
        for name, run in pollers:
            threading.Thread(target=run, name=name, daemon=True).start()

    @property
    def stopping(self) -> threading.Event:
        return self._stopping

    @property
    def poll_seconds(self) -> float:
        return self._poll_seconds

    def failures(
        self, function: Function, records: list[dict[str, Any]], identifiers: Sequence[str]
    ) -> set[str]:
        """Invoke the function with the records; the identifiers of those that failed (all if it raised)."""
        try:
            answer = self._invoker.invoke(function, {"Records": records})
        except FunctionError as exc:  # the function's own failure: its message and trace, not the poller's
            logger.error(
                "%s failed on a batch of %d: %s\n%s", function.name, len(records), exc, exc.stack_trace
            )
            return set(identifiers)
        except Exception:
            logger.exception("%s failed on a batch of %d", function.name, len(records))
            return set(identifiers)
        failed = reported_failures(answer, identifiers)
        logger.info("%s: %d records, %d failed", function.name, len(records), len(failed))
        return failed


class StreamPoller:
    """One subscription to a table's stream: its shards, read in order."""

    def __init__(
        self,
        subscription: StreamSubscription,
        pollers: EventSourcePollers,
        session: boto3.session.Session | None = None,
    ) -> None:
        # Clients of their own: boto3's default session is not thread-safe.
        session = session or boto3.session.Session()
        self._streams = session.client("dynamodbstreams")
        self._tables = session.client("dynamodb")
        self._subscription = subscription
        self._pollers = pollers
        self._stream_arn = ""
        self._iterators: dict[str, str] = {}  # open shards being read → where to read next
        self._handed_over: dict[str, str] = {}  # shard → sequence number of the last record delivered
        self._finished: set[str] = set()  # closed shards read to their end

    def run(self) -> None:
        stopping = self._pollers.stopping
        while not stopping.is_set():
            try:
                busy = self._poll()
            except Exception:
                if stopping.is_set():
                    return
                logger.exception("stream of %s", self._subscription.table.local_name)
                busy = False
            if not busy:
                stopping.wait(self._pollers.poll_seconds)

    def _poll(self) -> bool:
        """Read each open shard once; True when some had records."""
        if not self._stream_arn:
            table = self._tables.describe_table(TableName=self._subscription.table.local_name)["Table"]
            self._stream_arn = table["LatestStreamArn"]
        self._open_new_shards()
        busy = False
        for shard_id, iterator in list(self._iterators.items()):
            try:
                answer = self._streams.get_records(
                    ShardIterator=iterator, Limit=self._subscription.batch_size
                )
            except (
                self._streams.exceptions.TrimmedDataAccessException,
                self._streams.exceptions.ExpiredIteratorException,
            ):
                # An iterator past its 15 minutes, or, on DynamoDB Local, one taken while the shard was
                # empty: its sequence numbers are shared by all tables, so the first record's may be
                # higher than the iterator's, which it then calls trimmed. Read on from the checkpoint.
                self._iterators[shard_id] = self._iterator(shard_id)
                continue
            if answer["Records"]:
                busy = True
                region = self._streams.meta.region_name
                if wanted := [r for r in answer["Records"] if self._wanted(r)]:
                    self._deliver([stream_record(r, self._stream_arn, region) for r in wanted])
                self._handed_over[shard_id] = answer["Records"][-1]["dynamodb"]["SequenceNumber"]
            if "NextShardIterator" in answer:
                self._iterators[shard_id] = answer["NextShardIterator"]
            else:  # closed and read to its end: its children may start
                del self._iterators[shard_id]
                self._handed_over.pop(shard_id, None)
                self._finished.add(shard_id)
        return busy

    def _wanted(self, record: dict[str, Any]) -> bool:
        """Lambda's event filter: the partition key starts with one of the subscription's prefixes."""
        prefixes = self._subscription.key_prefixes
        key = record["dynamodb"]["Keys"].get(self._subscription.table.partition_key, {}).get("S", "")
        return not prefixes or str(key).startswith(prefixes)

    def _open_new_shards(self) -> None:
        """Start reading each shard not yet seen whose parent has been read to its end (or is gone)."""
        shards: list[dict[str, Any]] = []
        request = {"StreamArn": self._stream_arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            shards += description["Shards"]
            if "LastEvaluatedShardId" not in description:
                break
            request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]
        listed = {shard["ShardId"] for shard in shards}
        for shard in shards:
            shard_id, parent = shard["ShardId"], shard.get("ParentShardId")
            if shard_id in self._iterators or shard_id in self._finished:
                continue
            if parent in listed and parent not in self._finished:
                continue
            self._iterators[shard_id] = self._iterator(shard_id)

    def _iterator(self, shard_id: str) -> str:
        """Where to read a shard: after its last record delivered, from its oldest record at first."""
        after = self._handed_over.get(shard_id)
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator: str = self._streams.get_shard_iterator(
            StreamArn=self._stream_arn, ShardId=shard_id, **position
        )["ShardIterator"]
        return iterator

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        function = self._subscription.function
        for retry in range(self._subscription.retry_attempts + 1):
            if retry:
                self._pollers.stopping.wait(self._pollers.poll_seconds)
            if self._pollers.stopping.is_set():
                return
            sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
            failed = self._pollers.failures(function, records, sequence_numbers)
            if not failed:
                return
            # Lambda checkpoints before the first failed record and retries from there.
            records = records[min(sequence_numbers.index(number) for number in failed) :]
        logger.error(
            "%s: gave up on %d records (sequence numbers %s to %s of %s) after %d retries; "
            "Lambda would send them to the mapping's on-failure destination",
            function.name,
            len(records),
            records[0]["dynamodb"]["SequenceNumber"],
            records[-1]["dynamodb"]["SequenceNumber"],
            self._stream_arn,
            self._subscription.retry_attempts,
        )


class QueuePoller:
    """One subscription to a queue: receive, invoke, delete what succeeded."""

    def __init__(self, subscription: QueueSubscription, pollers: EventSourcePollers) -> None:
        self._sqs = boto3.session.Session().client("sqs")
        self._subscription = subscription
        self._pollers = pollers
        self._queue_url = ""
        self._queue_arn = ""

    def run(self) -> None:
        stopping = self._pollers.stopping
        while not stopping.is_set():
            try:
                self._poll()
            except Exception:
                if stopping.is_set():
                    return
                logger.exception("queue %s", self._subscription.queue.local_name)
                stopping.wait(self._pollers.poll_seconds)

    def _poll(self) -> None:
        if not self._queue_url:
            url = self._sqs.get_queue_url(QueueName=self._subscription.queue.local_name)["QueueUrl"]
            attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            self._queue_url, self._queue_arn = url, attributes["Attributes"]["QueueArn"]
        messages = self._receive()
        if not messages:
            return
        region = self._sqs.meta.region_name
        records = [queue_record(message, self._queue_arn, region) for message in messages]
        failed = self._pollers.failures(
            self._subscription.function, records, [record["messageId"] for record in records]
        )
        done = [record for record in records if record["messageId"] not in failed]
        for start in range(0, len(done), SQS_RECEIVE_MAX):
            entries = [
                {"Id": str(index), "ReceiptHandle": record["receiptHandle"]}
                for index, record in enumerate(done[start : start + SQS_RECEIVE_MAX])
            ]
            self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)

    def _receive(self) -> list[dict[str, Any]]:
        """Up to batch_size messages: a short long-poll for the first, then whatever else is ready."""
        messages: list[dict[str, Any]] = []
        wait = SQS_WAIT_SECONDS
        while len(messages) < self._subscription.batch_size and not self._pollers.stopping.is_set():
            received = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=min(SQS_RECEIVE_MAX, self._subscription.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                break
            messages += received
            wait = 0
        return messages
