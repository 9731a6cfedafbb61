"""DynamoDB plumbing shared by the repositories."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal
from functools import cache, wraps
from types import FunctionType
from typing import Any, ParamSpec, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from mpesa_gateway import budget
from mpesa_gateway.errors import StorageConflict, StorageError, StorageUnavailable

Result = TypeVar("Result")
Params = ParamSpec("Params")
Store = TypeVar("Store", bound=type)
# Errors that say "not now" rather than "no": the same write may succeed a moment later.
_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
_TRANSIENT_CANCELLATIONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)
_ATTEMPTS = 5
_FIRST_PAUSE_SECONDS = 0.05


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


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _cancellation_codes(error: ClientError) -> set[str]:
    return {str(reason.get("Code")) for reason in error.response.get("CancellationReasons", [])}


def is_condition_failure(error: ClientError) -> bool:
    """A condition said no (for a transaction: one of its conditions, or no reason given)."""
    code = _code(error)
    if code == "TransactionCanceledException":
        reasons = _cancellation_codes(error)
        return not reasons or "ConditionalCheckFailed" in reasons
    return code == "ConditionalCheckFailedException"


def is_transient(error: ClientError) -> bool:
    code = _code(error)
    if code == "TransactionCanceledException":
        return bool(_cancellation_codes(error) & _TRANSIENT_CANCELLATIONS) and not is_condition_failure(error)
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in _TRANSIENT_CODES or status >= 500


def conditionally(write: Callable[[], Any]) -> bool:
    """Run a conditional write: True if it was made, False if its condition said no."""
    try:
        write()
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def with_retries(call: Callable[[], Result]) -> Result:
    """`call()`, tried again after throttling, transaction conflicts and server errors (on top of
    botocore's own retries) while the invocation's budget allows. Only idempotent writes go here."""
    attempt = 1
    while True:
        try:
            return call()
        except ClientError as error:
            pause = _FIRST_PAUSE_SECONDS * 2**attempt * random.uniform(0.5, 1.5)  # noqa: S311 - jitter
            if not is_transient(error) or attempt == _ATTEMPTS or pause > budget.remaining():
                raise
        time.sleep(pause)
        attempt += 1


def storage_errors(store: Store) -> Store:
    """The class's public methods raise the store's own errors, never botocore's."""
    for name, member in list(vars(store).items()):
        if isinstance(member, FunctionType) and not name.startswith("_"):
            setattr(store, name, _translated(member))
    return store


def _translated(method: Callable[Params, Result]) -> Callable[Params, Result]:
    @wraps(method)
    def call(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return method(*args, **kwargs)
        except ClientError as error:
            raise _storage_error(error) from error
        except BotoCoreError as error:  # unreachable, timed out, ...
            raise StorageUnavailable(str(error)) from error

    return call


def _storage_error(error: ClientError) -> StorageError:
    if is_condition_failure(error):
        return StorageConflict(str(error))
    if is_transient(error):
        return StorageUnavailable(str(error))
    return StorageError(str(error))


# A filtered listing reads at most this many pages per call, then hands the caller a cursor.
_MAX_PAGES_PER_LISTING = 10


def read_pages(
    table: Any, query: dict[str, Any], limit: int, start: dict[str, str] | None
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """Up to `limit` matching items over a few pages, and the key that resumes after them."""
    found: list[dict[str, Any]] = []
    for _ in range(_MAX_PAGES_PER_LISTING):
        # Evaluating no more than still fits keeps the resume key exact.
        page = table.query(
            **query, Limit=limit - len(found), **({"ExclusiveStartKey": start} if start else {})
        )
        found += [from_item(item) for item in page.get("Items", [])]
        start = page.get("LastEvaluatedKey")
        if start is None or len(found) >= limit:
            break
    return found, start


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
