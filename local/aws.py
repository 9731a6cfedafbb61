"""Emulated AWS for local runs and tests: the gateway's tables (DynamoDB Local or moto) and secrets (moto),
created with boto3."""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra.tables import TABLES, TableSpec
from mpesa_gateway.tokens import initial_signing_keys

LOCAL_REGION = "af-south-1"
APP_SECRET_PREFIX = "mpesa-gateway/apps/"  # noqa: S105 - a name prefix, not a secret
SIGNING_KEY_SECRET = "mpesa-gateway/signing-keys"  # noqa: S105 - a secret's name


def provision() -> None:
    """Everything the stack creates that the functions need: tables and the token signing keys."""
    create_tables()
    create_signing_keys()


def create_tables() -> None:
    client = boto3.client("dynamodb")
    for spec in TABLES:
        client.create_table(**_table_definition(spec))
        if spec.ttl_attribute:
            client.update_time_to_live(
                TableName=spec.local_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )


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
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # moto and DynamoDB Local accept any credentials
        "POWERTOOLS_SERVICE_NAME": "mpesa-gateway",
        "POWERTOOLS_METRICS_NAMESPACE": "MpesaGateway",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def endpoint_environment(host: str, *, moto_port: int, dynamodb_port: int) -> dict[str, str]:
    """boto3's endpoints for the local stack: DynamoDB on DynamoDB Local, everything else on moto."""
    return {
        "AWS_ENDPOINT_URL": f"http://{host}:{moto_port}",
        "AWS_ENDPOINT_URL_DYNAMODB": f"http://{host}:{dynamodb_port}",
    }
