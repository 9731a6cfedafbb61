"""Emulated AWS for local runs and tests: the gateway's tables (DynamoDB Local or moto), secrets and queues
(moto), created with boto3."""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra.queues import QUEUES, QueueSpec
from infra.tables import TABLES, TableSpec
from mpesa_gateway.tokens import initial_signing_keys

LOCAL_REGION = "af-south-1"
APP_SECRET_PREFIX = "mpesa-gateway/apps/"  # noqa: S105 - a name prefix, not a secret
SIGNING_KEY_SECRET = "mpesa-gateway/signing-keys"  # noqa: S105 - a secret's name


def provision() -> dict[str, str]:
    """Everything the stack creates that the functions need: tables, the token signing keys and queues.

    Returns the functions' variables that exist only once the resources do (the queues' URLs, as SQS
    answered them): set them before any function starts."""
    create_tables()
    create_signing_keys()
    return create_queues()


def create_tables() -> None:
    for spec in TABLES:
        create_table(spec)


def create_table(spec: TableSpec) -> None:
    client = boto3.client("dynamodb")
    client.create_table(**_table_definition(spec))
    if spec.ttl_attribute:
        client.update_time_to_live(
            TableName=spec.local_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


def create_queues() -> dict[str, str]:
    """Every queue with its dead-letter queue; each queue's variable (spec.env_var) and URL."""
    return {spec.env_var: create_queue(spec) for spec in QUEUES}


def dead_letter_queue_name(spec: QueueSpec) -> str:
    return f"{spec.local_name}-dead-letters"


def create_queue(spec: QueueSpec) -> str:
    """The queue and its dead-letter queue, which takes a message after spec.max_receive_count receives;
    returns the queue's URL."""
    client = boto3.client("sqs")
    dead_letters = client.create_queue(QueueName=dead_letter_queue_name(spec))["QueueUrl"]
    dead_letters_arn = client.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_letters_arn, "maxReceiveCount": spec.max_receive_count}
    attributes = {
        "VisibilityTimeout": str(spec.visibility_timeout_seconds),
        "RedrivePolicy": json.dumps(redrive),
    }
    url: str = client.create_queue(QueueName=spec.local_name, Attributes=attributes)["QueueUrl"]
    return url


def create_signing_keys() -> None:
    # A fresh key per local run, as the stack generates one at deploy time.
    boto3.client("secretsmanager").create_secret(
        Name=SIGNING_KEY_SECRET, SecretString=json.dumps(initial_signing_keys())
    )


def _table_definition(spec: TableSpec) -> dict[str, Any]:
    attributes = {spec.partition_key} | ({spec.sort_key} if spec.sort_key else set())
    for index in spec.indexes:
        attributes |= {index.partition_key, index.sort_key}
    definition: dict[str, Any] = {
        "TableName": spec.local_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)
        ],
        "KeySchema": _key_schema(spec.partition_key, spec.sort_key),
    }
    if spec.stream:
        definition["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if spec.indexes:
        definition["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition_key, index.sort_key),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ]
    return definition


def _key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def gateway_environment() -> dict[str, str]:
    """The variables the stack gives every function, with the local table names."""
    return {
        **{spec.env_var: spec.local_name for spec in TABLES},
        "APP_SECRET_PREFIX": APP_SECRET_PREFIX,
        "SIGNING_KEY_SECRET": SIGNING_KEY_SECRET,
        # Merchant validation endpoints run on this machine in local mode (never set in the stack).
        "ALLOW_LOCAL_MERCHANT_URLS": "true",
        # The admin CLI's changes to an app reach the functions at once (tests and demos change apps
        # between requests); deployed containers keep an app for a minute.
        "APP_CACHE_SECONDS": "0",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # moto and DynamoDB Local accept any credentials
        "POWERTOOLS_SERVICE_NAME": "mpesa-gateway",
        "POWERTOOLS_METRICS_NAMESPACE": "MpesaGateway",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def endpoint_environment(host: str, *, moto_port: int, dynamodb_port: int) -> dict[str, str]:
    """boto3's endpoints for the local stack: DynamoDB and its Streams on DynamoDB Local, everything else
    on moto."""
    dynamodb = f"http://{host}:{dynamodb_port}"
    return {
        "AWS_ENDPOINT_URL": f"http://{host}:{moto_port}",
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb,
        # botocore's variable for the `dynamodbstreams` client (its service id, "DynamoDB Streams").
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb,
    }
