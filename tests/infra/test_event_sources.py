"""Template assertions for the event-fed functions: the transactions table's stream, the SQS queues and
their dead letters, both event source mappings, the queue grants and environment, and their alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.functions import QUEUE_ACCESS
from infra.queues import QUEUES, WEBHOOK_DELIVERIES, QueueSpec
from infra.routes import (
    PUBLISH_EVENTS,
    STREAMS,
    Access,
    Function,
    QueueSubscription,
    StreamSubscription,
    deployed_functions,
)
from infra.routes import QUEUES as QUEUE_SUBSCRIPTIONS
from infra.tables import TABLES, TableSpec
from mpesa_gateway.callbacks import CallbackKind, RawCallback
from mpesa_gateway.store.transactions import _callback_key, _checkout_key, _conversation_key, _txn_key
from tests.infra.conftest import Synthesis, allowed_on, role_statements

pytestmark = pytest.mark.infra

ALL_FUNCTIONS: tuple[Function, ...] = deployed_functions()
FOURTEEN_DAYS = 14 * 24 * 3600
SEND = "sqs:SendMessage"
CONSUME = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"}
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def arn(synthesis: Synthesis, construct: Any) -> dict[str, Any]:
    return {"Fn::GetAtt": [synthesis.logical_id(construct), "Arn"]}


def resource(synthesis: Synthesis, construct: Any) -> dict[str, Any]:
    return synthesis.raw["Resources"][synthesis.logical_id(construct)]


def mappings_from(synthesis: Synthesis, source_arn: Any) -> list[dict[str, Any]]:
    return [
        mapping["Properties"]
        for mapping in synthesis.resources("AWS::Lambda::EventSourceMapping").values()
        if mapping["Properties"]["EventSourceArn"] == source_arn
    ]


def assert_kept_encrypted_and_tls_only(synthesis: Synthesis, queue: Any, retention_seconds: int) -> None:
    properties = resource(synthesis, queue)["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["MessageRetentionPeriod"] == retention_seconds
    queue_ref = {"Ref": synthesis.logical_id(queue)}
    denials = [
        statement
        for policy in synthesis.resources("AWS::SQS::QueuePolicy").values()
        if queue_ref in policy["Properties"]["Queues"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
    ]
    assert [statement["Condition"] for statement in denials] == [{"Bool": {"aws:SecureTransport": "false"}}]


def alarms_on(synthesis: Synthesis, queue: Any) -> dict[str, dict[str, Any]]:
    """The queue's alarms by metric name."""
    dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [synthesis.logical_id(queue), "QueueName"]}}]
    return {
        alarm["Properties"]["MetricName"]: alarm["Properties"]
        for alarm in synthesis.resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == "AWS/SQS"
        and alarm["Properties"]["Dimensions"] == dimension
    }


def failure_queues(synthesis: Synthesis) -> list[Any]:
    stack = synthesis.stack
    return [*stack.queues.dead_letter_queues.values(), *stack.event_sources.stream_failures.values()]


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.construct_id)
def test_a_table_streams_new_and_old_images_exactly_when_its_spec_asks(synthesis, spec: TableSpec):
    properties = resource(synthesis, synthesis.stack.storage[spec])["Properties"]
    if spec.stream:
        assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    else:
        assert "StreamSpecification" not in properties


def test_one_work_queue_per_spec_and_a_dead_letter_queue_each_plus_one_failure_queue_per_stream(synthesis):
    synthesis.template.resource_count_is("AWS::SQS::Queue", 2 * len(QUEUES) + len(STREAMS))


@pytest.mark.parametrize("spec", QUEUES, ids=lambda spec: spec.construct_id)
def test_a_queue_redrives_to_its_dead_letter_queue_after_its_spec_receive_count(synthesis, spec: QueueSpec):
    queue = synthesis.stack.queues[spec]
    dead_letters = synthesis.stack.queues.dead_letter_queues[spec]
    properties = resource(synthesis, queue)["Properties"]
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": arn(synthesis, dead_letters),
        "maxReceiveCount": spec.max_receive_count,
    }
    assert properties["VisibilityTimeout"] == spec.visibility_timeout_seconds
    # Shorter than the dead letters' 14 days, which SQS counts from the message's first enqueue.
    assert_kept_encrypted_and_tls_only(synthesis, queue, 7 * 24 * 3600)
    assert_kept_encrypted_and_tls_only(synthesis, dead_letters, FOURTEEN_DAYS)


def test_webhook_deliveries_move_to_dead_letters_after_the_retry_schedules_attempts(synthesis):
    redrive = resource(synthesis, synthesis.stack.queues[WEBHOOK_DELIVERIES])["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == WEBHOOK_DELIVERIES.max_receive_count


@pytest.mark.parametrize("subscription", QUEUE_SUBSCRIPTIONS, ids=lambda sub: sub.function.name)
def test_a_queue_subscriber_reports_partial_failures_in_batches_of_its_size(
    synthesis, subscription: QueueSubscription
):
    handler = synthesis.stack.functions.by_spec[subscription.function]
    (mapping,) = mappings_from(synthesis, arn(synthesis, synthesis.stack.queues[subscription.queue]))
    assert mapping["FunctionName"] == {"Ref": synthesis.logical_id(handler)}
    assert mapping["BatchSize"] == subscription.batch_size
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 < mapping["MaximumBatchingWindowInSeconds"] <= 5
    assert mapping["ScalingConfig"]["MaximumConcurrency"] >= 2  # SQS's floor


@pytest.mark.parametrize("subscription", QUEUE_SUBSCRIPTIONS, ids=lambda sub: sub.function.name)
def test_only_a_queues_subscriber_consumes_it_and_may_change_visibility_for_its_back_off(
    synthesis, subscription: QueueSubscription
):
    queue_arn = arn(synthesis, synthesis.stack.queues[subscription.queue])
    for function in ALL_FUNCTIONS:
        actions = allowed_on(role_statements(synthesis, function), queue_arn)
        if function == subscription.function:
            assert actions >= CONSUME, function.name
        else:
            assert not actions & CONSUME, function.name


@pytest.mark.parametrize("subscription", STREAMS, ids=lambda sub: sub.function.name)
def test_a_stream_subscriber_retries_bisected_batches_then_records_them_as_failures(
    synthesis, subscription: StreamSubscription
):
    stack = synthesis.stack
    stream_arn = {"Fn::GetAtt": [synthesis.logical_id(stack.storage[subscription.table]), "StreamArn"]}
    (mapping,) = mappings_from(synthesis, stream_arn)
    failures = stack.event_sources.stream_failures[subscription]
    assert mapping["FunctionName"] == {
        "Ref": synthesis.logical_id(stack.functions.by_spec[subscription.function])
    }
    assert mapping["BatchSize"] == subscription.batch_size
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # Bounded (-1 would retry until the record expires from the stream, blocking its shard for 24 h).
    assert 0 < mapping["MaximumRetryAttempts"] <= 10
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": arn(synthesis, failures)}}
    # The function itself sends the batch's description there, so its role must be allowed to.
    assert SEND in allowed_on(role_statements(synthesis, subscription.function), arn(synthesis, failures))
    assert_kept_encrypted_and_tls_only(synthesis, failures, FOURTEEN_DAYS)


def test_publish_events_is_fed_by_the_transactions_stream_only_for_transactions_and_callbacks(synthesis):
    (subscription,) = [sub for sub in STREAMS if sub.function == PUBLISH_EVENTS]
    stream_arn = {
        "Fn::GetAtt": [synthesis.logical_id(synthesis.stack.storage[subscription.table]), "StreamArn"]
    }
    (mapping,) = mappings_from(synthesis, stream_arn)
    (pattern,) = [json.loads(entry["Pattern"]) for entry in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "TXN#"}, {"prefix": "CALLBACK#"}]}}}}


def published(pk: str) -> bool:
    """Whether Lambda's prefix filter lets an item with this partition key through."""
    (subscription,) = [sub for sub in STREAMS if sub.function == PUBLISH_EVENTS]
    return pk.startswith(subscription.key_prefixes)


def test_the_filter_prefixes_are_those_the_store_writes_for_transactions_and_callbacks():
    validation = RawCallback(
        callback_id="cb-1",
        app_id="demo-c2b",
        kind=CallbackKind.C2B_VALIDATION,
        key="RKL51ZDR4F",
        received_at=datetime(2026, 11, 30, tzinfo=UTC),
        body={},
    )
    assert published(_txn_key("txn_1")["pk"])
    assert published(_callback_key(validation)["pk"])
    # Aliases never wake the publisher: they change with the transaction, which is published itself.
    assert not published(_checkout_key("ws_CO_1")["pk"])
    assert not published(_conversation_key("AG_1")["pk"])


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda function: function.name)
def test_exactly_the_functions_with_queue_send_access_may_send_to_that_queue(synthesis, function: Function):
    for access, spec in QUEUE_ACCESS.items():
        actions = allowed_on(
            role_statements(synthesis, function), arn(synthesis, synthesis.stack.queues[spec])
        )
        assert (SEND in actions) is (access in function.access), f"{function.name} {access}"


def test_the_webhook_queue_send_access_is_the_webhook_queue():
    assert QUEUE_ACCESS[Access.WEBHOOK_QUEUE_SEND] == WEBHOOK_DELIVERIES


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda function: function.name)
def test_every_function_gets_every_queue_url(synthesis, function: Function):
    handler = resource(synthesis, synthesis.stack.functions.by_spec[function])
    variables = handler["Properties"]["Environment"]["Variables"]
    for spec in QUEUES:  # a queue's Ref is its URL
        assert variables[spec.env_var] == {"Ref": synthesis.logical_id(synthesis.stack.queues[spec])}


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda function: function.name)
def test_unscoped_actions_are_only_those_without_resource_level_permissions(synthesis, function: Function):
    # What the IAM5[Resource::*] acknowledgment claims: X-Ray, and ListStreams for stream subscribers.
    unscoped = allowed_on(role_statements(synthesis, function), "*")
    reads_a_stream = any(subscription.function == function for subscription in STREAMS)
    assert unscoped == XRAY | ({"dynamodb:ListStreams"} if reads_a_stream else set())


def test_each_queue_of_given_up_work_alarms_on_its_first_message(synthesis):
    queues = failure_queues(synthesis)
    assert len(queues) == len(QUEUES) + len(STREAMS)
    for queue in queues:
        alarm = alarms_on(synthesis, queue)["ApproximateNumberOfMessagesVisible"]
        assert alarm["Statistic"] == "Maximum"
        assert alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("spec", QUEUES, ids=lambda spec: spec.construct_id)
def test_a_work_queue_warns_when_its_oldest_message_is_over_an_hour_old(synthesis, spec: QueueSpec):
    alarms = alarms_on(synthesis, synthesis.stack.queues[spec])
    assert set(alarms) == {"ApproximateAgeOfOldestMessage"}  # retries in flight are not an alarm
    alarm = alarms["ApproximateAgeOfOldestMessage"]
    assert alarm["Statistic"] == "Maximum"
    assert alarm["Threshold"] == 3600
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_only_the_stream_failure_queues_are_acknowledged_as_having_no_dead_letter_queue(synthesis):
    acknowledged = {
        logical_id
        for logical_id, queue in synthesis.resources("AWS::SQS::Queue").items()
        if any(
            rule["id"] == "AwsSolutions-SQS3"
            for rule in queue.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        )
    }
    stream_failures = synthesis.stack.event_sources.stream_failures.values()
    assert acknowledged == {synthesis.logical_id(queue) for queue in stream_failures}


def test_outputs_name_every_queue_for_the_operator(synthesis):
    outputs = synthesis.raw["Outputs"]
    for queue in (*synthesis.stack.queues.queues.values(), *failure_queues(synthesis)):
        assert outputs[f"{queue.node.id}QueueUrl"]["Value"] == {"Ref": synthesis.logical_id(queue)}
