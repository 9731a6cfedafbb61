"""What every Safaricom callback shares: where it is sent, and reading its body without losing it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NewType, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field, ValidationError

from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.inputs import load_json, storable
from mpesa_gateway.models import DarajaCredentials, PaymentApp
from mpesa_gateway.observability import logger, metrics

if TYPE_CHECKING:
    from mpesa_gateway.apps import AppDirectory
    from mpesa_gateway.store.transactions import TransactionStore

Model = TypeVar("Model", bound=BaseModel)
# Enough of an unparseable body to inspect, without storing whatever a stranger sends whole.
_KEPT_CHARACTERS = 10_000
# Daraja's callbacks are a few kilobytes; a larger body is kept as unparseable (a DynamoDB item holds 400 KB).
MAX_CALLBACK_CHARACTERS = 64 * 1024


class CallbackKind(StrEnum):
    """Which of Safaricom's calls a stored callback is (stored as the value)."""

    STK = "stk_callback"
    C2B_VALIDATION = "c2b_validation"
    C2B_CONFIRMATION = "c2b_confirmation"
    RESULT = "result"
    TIMEOUT = "timeout"
    STANDING_ORDER = "standing_order"
    INVOICE_PAYMENT = "invoice_payment"


class CallbackOutcome(StrEnum):
    """What became of a stored callback (stored as the value)."""

    RECEIVED = "received"  # stored, not yet handled: the reconciler re-applies it
    UNPARSEABLE = "unparseable"
    UNKNOWN_APP = "unknown_app"  # its app was deleted before it could be re-applied
    UNMATCHED = "unmatched"  # no transaction of this app is what it is about
    NOT_REAPPLIED = "not_reapplied"  # a validation request whose answer was due long ago
    # Its evidence, applied to the transaction it is about (see settling.settle_by_evidence).
    APPLIED = "applied"
    RECEIPT_ADDED = "receipt_added"
    DUPLICATE = "duplicate"
    OVERRULED = "overruled"
    CONFLICT = "conflict"
    # An STK callback not provably what the gateway asked for: kept pending for a status query.
    SUCCESS_WITHOUT_METADATA = "success_without_metadata"
    AMOUNT_MISMATCH = "amount_mismatch"
    PHONE_MISMATCH = "phone_mismatch"
    # A queue timeout: noted on its pending request, or late for a final one.
    TIMEOUT_NOTED = "timeout_noted"
    LATE = "late"
    # A C2B confirmation: recorded as a transaction, or not this app's money.
    RECORDED = "recorded"
    SHORT_CODE_MISMATCH = "short_code_mismatch"
    INVALID_AMOUNT = "invalid_amount"


# A C2B validation request's outcome is its decision in words ("accepted 0: the app's rules pass"),
# which the payment's confirmation later copies onto its transaction.
ValidationSummary = NewType("ValidationSummary", str)


class RawCallback(BaseModel):
    """A callback as Safaricom sent it, keyed by what it is about (CheckoutRequestID, TransID, ...)."""

    callback_id: str
    app_id: str
    kind: CallbackKind
    key: str
    received_at: datetime
    body: dict[str, Any]
    # Left to right: a stored outcome is the enum's value when it is one, else a validation's summary.
    outcome: Annotated[CallbackOutcome | ValidationSummary, Field(union_mode="left_to_right")] = (
        CallbackOutcome.RECEIVED
    )
    transaction_id: str | None = None


def new_callback(app_id: str, kind: CallbackKind, key: str, body: dict[str, Any]) -> RawCallback:
    return RawCallback(
        callback_id=uuid.uuid4().hex,
        app_id=app_id,
        kind=kind,
        key=key,
        received_at=datetime.now(UTC),
        body=body,
    )


def callback_url(base_url: str, app: PaymentApp, credentials: DarajaCredentials, route: str) -> str:
    """An app's callback route, carrying the app's secret (Safaricom signs nothing)."""
    secret = credentials.callback_secret.get_secret_value()
    return f"{base_url}/api/pay/{app.app_id}/{route}?secret={secret}"


def read_callback(raw_body: str | None, model: type[Model]) -> tuple[dict[str, Any], Model | None]:
    """The body to store as received (always), and the parsed model when the body is one.

    What is not a JSON object of sane size and depth is stored as its first characters, "unparseable".
    """
    text = raw_body or ""
    unparseable = {"unparseable": text[:_KEPT_CHARACTERS]}
    if len(text) > MAX_CALLBACK_CHARACTERS:
        return unparseable, None
    try:
        body = load_json(text)
    except ValueError:  # not JSON, or nested too deeply
        return unparseable, None
    if not isinstance(body, dict) or not storable(body):
        return unparseable, None
    try:
        return body, model.model_validate(body)
    except ValidationError:
        return body, None


def stored_as(body: dict[str, Any], model: type[Model]) -> Model | None:
    """A stored callback's body as the model, when it is one (the reconciler re-applies these)."""
    try:
        return model.model_validate(body)
    except ValidationError:
        return None


def received(
    transactions: TransactionStore,
    app: PaymentApp,
    kind: CallbackKind,
    raw_body: str | None,
    model: type[Model],
    *,
    key: Callable[[Model], str | None],
    what: str,
) -> tuple[RawCallback, Model]:
    """The callback stored as it came, before anything else (Safaricom never resends), and its body as
    `model`. A body that is not `what` stays stored, marked unparseable, and is a 400 that says so."""
    body, parsed = read_callback(raw_body, model)
    stored_key = (key(parsed) if parsed else "UNPARSEABLE") or "UNKEYED"
    callback = new_callback(app.app_id, kind, stored_key, body)
    transactions.save_callback(callback)
    if parsed is None:
        transactions.mark_callback(callback, CallbackOutcome.UNPARSEABLE, None)
        raise InvalidRequest(f"The body is not {what} (stored for inspection)")
    return callback, parsed


def applied_safely(apply: Callable[[], object], app_id: str) -> None:
    """What follows a stored callback; a failure is logged and counted, never raised: the callback is
    stored, so it is acknowledged, and the reconciler applies it later (Safaricom never resends)."""
    try:
        apply()
    except Exception:
        logger.exception("callback stored but not applied", extra={"app_id": app_id})
        metrics.add_metric(name="CallbackNotApplied", unit=MetricUnit.Count, value=1)


def reapplied(
    apps: AppDirectory,
    transactions: TransactionStore,
    callback: RawCallback,
    model: type[Model],
    apply: Callable[[PaymentApp, Model], object],
) -> None:
    """Apply a stored callback whose handling never finished (the reconciler calls this)."""
    app = apps.by_id(callback.app_id)
    parsed = stored_as(callback.body, model)
    if app is None or parsed is None:
        outcome = CallbackOutcome.UNPARSEABLE if app else CallbackOutcome.UNKNOWN_APP
        transactions.mark_callback(callback, outcome, None)
        return
    apply(app, parsed)
