"""The local event source mappings (local/event_sources.py) against Amazon's DynamoDB Local (Streams) and a
moto server (SQS) on loopback ports, with a fake function that records its events and answers as told."""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from infra.queues import QueueSpec
from infra.routes import Function, QueueSubscription, StreamSubscription
from infra.tables import TableSpec
from local.aws import LOCAL_REGION, create_queue, create_table, dead_letter_queue_name, endpoint_environment
from local.dynamodb_local import DynamoDBLocal
from local.event_sources import EventSourcePollers, StreamPoller, reported_failures
from local.stack import free_port

FUNCTION = Function(name="subscriber", description="a fake subscriber", access=frozenset())
Answer = Callable[[dict[str, Any]], Any]


class FakeFunction:
    """A FunctionInvoker for one function: records every event, answers what `answer(event)` says (or
    raises what it raises)."""

    def __init__(self, answer: Answer = lambda event: None) -> None:
        self.events: list[dict[str, Any]] = []
        self.answer = answer
        self._called = threading.Condition()

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        assert function == FUNCTION
        json.dumps(event)  # Lambda's events are JSON
        with self._called:
            self.events.append(copy.deepcopy(event))
            self._called.notify_all()
        return self.answer(event)

    def close(self) -> None:
        """Nothing to stop."""

    def wait_for_calls(self, count: int, timeout: float = 10) -> list[list[dict[str, Any]]]:
        """The records of the first `count` calls, once there were that many."""
        with self._called:
            reached = self._called.wait_for(lambda: len(self.events) >= count, timeout)
            assert reached, f"{len(self.events)} calls, expected {count}: {self.events}"
            return [event["Records"] for event in self.events[:count]]


@pytest.fixture
def local_aws(dynamodb_local: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """boto3 pointed as `make dev` points it: DynamoDB and its Streams on DynamoDB Local, SQS on moto."""
    moto_port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    endpoints = endpoint_environment("127.0.0.1", moto_port=moto_port, dynamodb_port=dynamodb_local.port)
    for name, value in endpoints.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    try:
        yield
    finally:
        server.stop()


@pytest.fixture
def start_pollers(local_aws: None) -> Iterator[Callable[..., None]]:
    """Starts pollers as `make dev` does; they stop (before the servers) when the test ends."""
    stopping = threading.Event()

    def start(
        invoker: FakeFunction,
        streams: tuple[StreamSubscription, ...] = (),
        queues: tuple[QueueSubscription, ...] = (),
    ) -> None:
        EventSourcePollers(streams, queues, invoker, stopping).start()

    yield start
    stopping.set()


def streamed_table() -> TableSpec:
    spec = TableSpec("Changes", "CHANGES_TABLE", f"changes-{uuid.uuid4().hex[:8]}", stream=True)
    create_table(spec)
    return spec


def put(spec: TableSpec, key: str, **values: str) -> None:
    boto3.resource("dynamodb").Table(spec.local_name).put_item(Item={"pk": key, "sk": key, **values})


def keys(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]


def failing(*identifiers: str) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in identifiers]}


# --- streams ---------------------------------------------------------------------------------------------


def test_only_items_whose_key_has_a_subscribed_prefix_invoke_the_function(
    start_pollers: Callable[..., None],
) -> None:
    spec = streamed_table()
    for key in ("EVENT#1", "TXN#1", "ALIAS#1", "CALLBACK#1"):
        put(spec, key)
    function = FakeFunction()

    subscription = StreamSubscription(FUNCTION, spec, batch_size=10, key_prefixes=("TXN#", "CALLBACK#"))
    start_pollers(function, streams=(subscription,))

    assert [keys(records) for records in function.wait_for_calls(1)] == [["TXN#1", "CALLBACK#1"]]


def test_an_insert_then_a_modify_reach_the_function_in_order_with_old_and_new_images(
    start_pollers: Callable[..., None],
) -> None:
    spec = streamed_table()
    put(spec, "tx-1", status="PENDING")
    put(spec, "tx-1", status="COMPLETED")
    function = FakeFunction()

    # Written before the poller starts: read from TRIM_HORIZON, one record per call (batch_size 1).
    start_pollers(function, streams=(StreamSubscription(FUNCTION, spec, batch_size=1),))

    (insert,), (modify,) = function.wait_for_calls(2)
    assert (insert["eventName"], modify["eventName"]) == ("INSERT", "MODIFY")
    assert insert["dynamodb"]["NewImage"]["status"] == {"S": "PENDING"}
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["status"] == {"S": "PENDING"}
    assert modify["dynamodb"]["NewImage"]["status"] == {"S": "COMPLETED"}
    assert modify["dynamodb"]["Keys"] == {"pk": {"S": "tx-1"}, "sk": {"S": "tx-1"}}
    stream_arn = boto3.client("dynamodb").describe_table(TableName=spec.local_name)["Table"][
        "LatestStreamArn"
    ]
    for record in (insert, modify):
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventSourceARN"] == stream_arn
        assert record["awsRegion"] == LOCAL_REGION
        assert {"eventID", "eventVersion"} <= record.keys()
        change = record["dynamodb"]
        assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(change["ApproximateCreationDateTime"], int)
        assert change["SizeBytes"] > 0
    assert int(insert["dynamodb"]["SequenceNumber"]) < int(modify["dynamodb"]["SequenceNumber"])


def test_changes_written_after_the_poller_started_on_an_empty_stream_reach_the_function(
    start_pollers: Callable[..., None],
) -> None:
    spec = streamed_table()
    function = FakeFunction()
    start_pollers(function, streams=(StreamSubscription(FUNCTION, spec, batch_size=10),))
    time.sleep(0.5)  # the poller holds an iterator on the empty shard

    # DynamoDB Local numbers the records of all tables in one sequence: another table's write first
    # leaves this shard's first record above the iterator's position (which it then calls trimmed).
    put(streamed_table(), "elsewhere")
    put(spec, "tx-1", status="PENDING")
    put(spec, "tx-1", status="COMPLETED")

    calls = function.wait_for_calls(1)
    while sum(len(records) for records in calls) < 2:
        calls = function.wait_for_calls(len(calls) + 1)
    records = [record for records in calls for record in records]
    assert [(r["eventName"], r["dynamodb"]["NewImage"]["status"]["S"]) for r in records] == [
        ("INSERT", "PENDING"),
        ("MODIFY", "COMPLETED"),
    ]


def test_a_reported_failure_brings_back_the_failed_record_and_those_after_it_only(
    start_pollers: Callable[..., None],
) -> None:
    spec = streamed_table()
    for key in ("tx-1", "tx-2", "tx-3"):
        put(spec, key, status="COMPLETED")
    calls = iter([lambda records: failing(records[1]["dynamodb"]["SequenceNumber"])])
    function = FakeFunction(lambda event: next(calls, lambda records: None)(event["Records"]))

    start_pollers(function, streams=(StreamSubscription(FUNCTION, spec, batch_size=10),))

    first, retried = function.wait_for_calls(2)
    assert keys(first) == ["tx-1", "tx-2", "tx-3"]
    assert retried == first[1:]
    put(spec, "tx-4", status="COMPLETED")
    _, _, after = function.wait_for_calls(3)
    assert keys(after) == ["tx-4"]  # the retried records succeeded: not sent again


def test_a_batch_that_keeps_failing_is_retried_a_bounded_number_of_times_then_skipped(
    start_pollers: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    spec = streamed_table()
    put(spec, "poison")

    def answer(event: dict[str, Any]) -> None:
        if keys(event["Records"]) == ["poison"]:
            raise RuntimeError("the function failed")

    function = FakeFunction(answer)
    with caplog.at_level(logging.ERROR, logger="local.event_sources"):
        subscription = StreamSubscription(FUNCTION, spec, batch_size=10, retry_attempts=3)
        start_pollers(function, streams=(subscription,))
        function.wait_for_calls(1)
        put(spec, "tx-after")
        calls = function.wait_for_calls(3 + 2)

    assert [keys(records) for records in calls] == [["poison"]] * (3 + 1) + [["tx-after"]]
    assert "gave up on 1 records" in caplog.text


class ClosedParentAndChild:
    """A boto3 session whose stream has a closed parent shard and its child, the child listed first (as
    when DynamoDB rolls a shard): dynamodb and dynamodbstreams clients in one object."""

    class exceptions:
        class TrimmedDataAccessException(Exception):
            pass

        class ExpiredIteratorException(Exception):
            pass

    meta = SimpleNamespace(region_name=LOCAL_REGION)
    records = {"parent": ["1", "2"], "child": ["3"]}

    def client(self, service: str) -> ClosedParentAndChild:
        return self

    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": "arn:stream"}}

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        shards = [{"ShardId": "child", "ParentShardId": "parent"}, {"ShardId": "parent"}]
        return {"StreamDescription": {"Shards": shards}}

    def get_shard_iterator(self, StreamArn: str, ShardId: str, ShardIteratorType: str) -> dict[str, str]:
        return {"ShardIterator": ShardId}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        # Both shards are closed: their records, then no NextShardIterator.
        records = [
            {
                "eventName": "INSERT",
                "dynamodb": {
                    "Keys": {"pk": {"S": f"tx-{number}"}},
                    "SequenceNumber": number,
                    "ApproximateCreationDateTime": datetime.now(UTC),
                },
            }
            for number in self.records[ShardIterator]
        ]
        return {"Records": records}


def test_a_child_shard_is_read_after_its_parent_whatever_their_listing_order() -> None:
    function = FakeFunction()
    stopping = threading.Event()
    subscription = StreamSubscription(FUNCTION, TableSpec("T", "T", "table", stream=True), batch_size=10)
    pollers = EventSourcePollers((subscription,), (), function, stopping)
    poller = StreamPoller(subscription, pollers, session=ClosedParentAndChild())  # type: ignore[arg-type]
    threading.Thread(target=poller.run, daemon=True).start()
    try:
        calls = function.wait_for_calls(2)
        time.sleep(0.5)  # closed shards are read once: nothing more comes
    finally:
        stopping.set()
    assert [keys(records) for records in calls] == [["tx-1", "tx-2"], ["tx-3"]]
    assert len(function.events) == 2


def test_a_subscription_to_a_table_without_a_stream_is_refused() -> None:
    plain = TableSpec("Plain", "PLAIN_TABLE", "plain-table")
    with pytest.raises(ValueError, match="plain-table has no stream"):
        EventSourcePollers(
            (StreamSubscription(FUNCTION, plain, batch_size=1),), (), FakeFunction(), threading.Event()
        )


# --- queues ----------------------------------------------------------------------------------------------


def queue(max_receive_count: int = 2, visibility_timeout_seconds: int = 1) -> tuple[QueueSpec, str]:
    spec = QueueSpec(
        "Deliveries",
        "DELIVERIES_URL",
        f"deliveries-{uuid.uuid4().hex[:8]}",
        max_receive_count=max_receive_count,
        visibility_timeout_seconds=visibility_timeout_seconds,
    )
    return spec, create_queue(spec)


def counts(url: str) -> tuple[int, int]:
    """(visible, in flight) messages."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def test_messages_arrive_in_lambdas_shape_and_a_success_deletes_them(
    start_pollers: Callable[..., None],
) -> None:
    spec, url = queue()
    sqs = boto3.client("sqs")
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody='{"event": "payment.completed"}',
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "payment.completed"}},
    )
    function = FakeFunction(lambda event: {"batchItemFailures": []})

    start_pollers(function, queues=(QueueSubscription(FUNCTION, spec, batch_size=10),))

    ((record,),) = function.wait_for_calls(1)
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == '{"event": "payment.completed"}'
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["receiptHandle"]
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        queue_arn,
        LOCAL_REGION,
    )
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} <= record["attributes"].keys()
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "payment.completed",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    deadline = time.monotonic() + 5
    while counts(url) != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert counts(url) == (0, 0)


def test_only_the_reported_failure_comes_back_and_the_function_may_shorten_its_visibility(
    start_pollers: Callable[..., None],
) -> None:
    # A visibility timeout of 30 s: the failed message is back at once only because the function said so.
    spec, url = queue(max_receive_count=5, visibility_timeout_seconds=30)
    sqs = boto3.client("sqs")
    for body in ("fails-once", "succeeds"):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    def answer(event: dict[str, Any]) -> dict[str, Any]:
        retry = [
            r
            for r in event["Records"]
            if r["body"] == "fails-once" and r["attributes"]["ApproximateReceiveCount"] == "1"
        ]
        for record in retry:
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
            )
        return failing(*(record["messageId"] for record in retry))

    function = FakeFunction(answer)
    start_pollers(function, queues=(QueueSubscription(FUNCTION, spec, batch_size=10),))

    first, second = function.wait_for_calls(2)
    assert sorted(record["body"] for record in first) == ["fails-once", "succeeds"]
    assert [(r["body"], r["attributes"]["ApproximateReceiveCount"]) for r in second] == [("fails-once", "2")]


def test_a_failed_call_deletes_nothing(start_pollers: Callable[..., None]) -> None:
    spec, url = queue(max_receive_count=5, visibility_timeout_seconds=1)
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="event")
    raised = iter([RuntimeError("the function failed")])

    def answer(event: dict[str, Any]) -> None:
        if (error := next(raised, None)) is not None:
            raise error

    function = FakeFunction(answer)
    start_pollers(function, queues=(QueueSubscription(FUNCTION, spec, batch_size=10),))

    (first,), (again,) = function.wait_for_calls(2)
    assert (first["messageId"], again["messageId"]) == (first["messageId"], first["messageId"])
    assert again["attributes"]["ApproximateReceiveCount"] == "2"


def test_a_message_that_keeps_failing_comes_back_then_goes_to_the_dead_letter_queue(
    start_pollers: Callable[..., None],
) -> None:
    spec, url = queue(max_receive_count=2, visibility_timeout_seconds=1)
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody="undeliverable")
    function = FakeFunction(lambda event: failing(*(record["messageId"] for record in event["Records"])))

    start_pollers(function, queues=(QueueSubscription(FUNCTION, spec, batch_size=10),))

    (first,), (second,) = function.wait_for_calls(2)
    assert [
        first["attributes"]["ApproximateReceiveCount"],
        second["attributes"]["ApproximateReceiveCount"],
    ] == [
        "1",
        "2",
    ]
    assert second["messageId"] == first["messageId"]
    dead_letters = sqs.get_queue_url(QueueName=dead_letter_queue_name(spec))["QueueUrl"]
    moved = sqs.receive_message(QueueUrl=dead_letters, WaitTimeSeconds=5).get("Messages", [])
    assert [message["Body"] for message in moved] == ["undeliverable"]
    assert len(function.events) == 2  # max_receive_count receives, then no more


@pytest.mark.parametrize(
    ("answer", "failed"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        (failing("b"), {"b"}),
        (failing("b", "a"), {"a", "b"}),
        (failing("unknown"), {"a", "b"}),  # names no record of the batch: all failed, as Lambda does
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
        ({"batchItemFailures": [{"id": "a"}]}, {"a", "b"}),
        ({"batchItemFailures": "a"}, {"a", "b"}),
    ],
)
def test_reported_failures_read_answers_as_lambda_does(answer: Any, failed: set[str]) -> None:
    assert reported_failures(answer, ["a", "b"]) == failed


def test_the_pollers_stop_when_the_stack_stops(local_aws: None) -> None:
    spec, _ = queue()
    stopping = threading.Event()
    subscriptions = (
        (StreamSubscription(FUNCTION, streamed_table(), batch_size=10),),
        (QueueSubscription(FUNCTION, spec, batch_size=10),),
    )
    before = set(threading.enumerate())
    try:
        EventSourcePollers(*subscriptions, FakeFunction(), stopping).start()
        pollers = [
            thread for thread in set(threading.enumerate()) - before if thread.name.endswith("-subscriber")
        ]
        assert sorted(thread.name for thread in pollers) == ["queue-subscriber", "stream-subscriber"]
    finally:
        stopping.set()
    for thread in pollers:
        thread.join(timeout=3)  # at most one long-poll of the queue
    assert not [thread.name for thread in pollers if thread.is_alive()]
