"""DynamoDB plumbing shared by the repositories."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import ClientError


@cache
def table(name: str) -> Any:
    """One boto3 Table per container; AWS_ENDPOINT_URL points it at moto locally."""
    return boto3.resource("dynamodb").Table(name)


def query_all(table: Any, **query: Any) -> list[dict[str, Any]]:
    """Every item a query matches, across pages, in plain Python values."""
    items: list[dict[str, Any]] = []
    while True:
        answer = table.query(**query)
        items += [from_item(item) for item in answer.get("Items", [])]
        if "LastEvaluatedKey" not in answer:
            return items
        query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def is_condition_failure(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code")
    return code in {"ConditionalCheckFailedException", "TransactionCanceledException"}


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ish values to what DynamoDB takes (floats as Decimal, no None)."""
    return {key: _to_dynamo(value) for key, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _from_dynamo(value) for key, value in item.items()}


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _to_dynamo(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_to_dynamo(inner) for inner in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamo(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(inner) for inner in value]
    return value
