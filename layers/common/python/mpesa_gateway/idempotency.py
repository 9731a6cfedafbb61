"""Idempotency-Key: a merchant's retry of a money-moving request replays the first answer.

Powertools Idempotency keeps one record per (merchant, operation, app, key) for 24 hours, with a hash
of the request so that reusing a key for a different request is refused rather than replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import IdempotencyConflict

if TYPE_CHECKING:
    from pydantic import BaseModel

    from mpesa_gateway.models import Operation, PaymentApp

HEADER = "Idempotency-Key"
# Checked by the routes that take the header (mpesa_gateway.api.IdempotencyKey), before anything runs.
KEY_PATTERN = r"^[A-Za-z0-9_\-.:]{1,128}$"
KEY_RULE = "1-128 characters of letters, digits, '_', '-', '.' or ':'"
_REPLAY_WINDOW_SECONDS = 24 * 3600

Answer = dict[str, Any]

# Module-level so the handler wrapper can register each invocation's context: an in-progress record
# then expires with the invocation instead of blocking the key for the whole replay window.
CONFIG = IdempotencyConfig(
    event_key_jmespath="[merchant_id, operation, app_id, key]",
    payload_validation_jmespath="payload",
    expires_after_seconds=_REPLAY_WINDOW_SECONDS,
)


def register_invocation(context: LambdaContext) -> None:
    CONFIG.register_lambda_context(context)


def scope(*, key: str | None, merchant_id: str, operation: str, app_id: str) -> str | None:
    """What one Idempotency-Key stands for: a merchant's operation on one app (None without a key)."""
    return None if key is None else "\n".join((merchant_id, operation, app_id, key))


def once(
    *,
    key: str | None,
    merchant_id: str,
    operation: str,
    app_id: str,
    payload: Answer,
    run: Callable[[], Answer],
) -> Answer:
    """`run()`'s answer, computed once per Idempotency-Key; without a key, computed every time."""
    if key is None:
        return run()
    scope = {
        "merchant_id": merchant_id,
        "operation": operation,
        "app_id": app_id,
        "key": key,
        "payload": payload,
    }
    try:
        return _idempotent_runner()(scope=scope, run=run)
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyConflict(f"A request with this {HEADER} is still being processed") from None
    except IdempotencyValidationError:
        raise IdempotencyConflict(f"This {HEADER} was already used for a different request") from None


def replayed(
    *, key: str | None, app: PaymentApp, operation: Operation, payload: Answer,
    run: Callable[[str | None], tuple[int, Answer]],
) -> tuple[int, Answer]:  # fmt: skip
    """An HTTP status and data for an operation on a merchant's app, computed once per Idempotency-Key
    (see `once`). `run` gets the key's scope (None without a key), from which a money-moving request
    derives its transaction id, so that even a retry of an attempt that died before answering never
    sends twice."""
    owner = {"merchant_id": app.merchant_id, "operation": operation.value, "app_id": app.app_id}
    request_scope = scope(key=key, **owner)

    def answer() -> Answer:
        status, data = run(request_scope)
        return {"status": status, "data": data}

    stored = once(key=key, **owner, payload=payload, run=answer)
    return stored["status"], stored["data"]


class Started(Protocol):
    """A service's answer to a request it starts: the HTTP status and the data to send."""

    @property
    def http_status(self) -> int: ...

    def data(self) -> BaseModel: ...


@dataclass(frozen=True)
class Answered:
    """A Started from a service that answers the HTTP status and the data as a pair."""

    http_status: int
    answer: BaseModel

    def data(self) -> BaseModel:
        return self.answer


def replayed_start(
    *, key: str | None, app: PaymentApp, operation: Operation, request: BaseModel,
    start: Callable[[str | None], Started],
) -> tuple[int, Answer]:  # fmt: skip
    """`replayed` for a service call that starts a tracked request, keyed by the request as JSON: its
    status, and its data as JSON."""

    def run(request_scope: str | None) -> tuple[int, Answer]:
        started = start(request_scope)
        return started.http_status, started.data().model_dump(mode="json")

    return replayed(key=key, app=app, operation=operation, payload=request.model_dump(mode="json"), run=run)


@cache
def _idempotent_runner() -> Callable[..., Answer]:
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)

    def run_once(*, scope: Answer, run: Callable[[], Answer]) -> Answer:
        return run()

    # Powertools' decorator is untyped; the function it returns takes and answers what run_once does.
    runner: Callable[..., Answer] = idempotent_function(
        data_keyword_argument="scope", persistence_store=persistence, config=CONFIG
    )(run_once)
    return runner
