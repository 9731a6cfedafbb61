"""Which events a change of a stored item is: pure rules, so that exactly one event follows each
settlement however often the change is seen (stream retries) and nothing follows what changed nothing."""

from __future__ import annotations

import uuid

from mpesa_gateway.c2b.validation import is_rejection
from mpesa_gateway.callbacks import CallbackKind, RawCallback
from mpesa_gateway.events.models import EventType
from mpesa_gateway.models import Transaction, TransactionStatus, TransactionType
from mpesa_gateway.payouts.models import PAYOUT_TYPES

# Stable ids: the same settlement seen twice is the same event (written once, delivered by one id).
_EVENT_NAMESPACE = uuid.UUID("8a8f0c0e-5d1c-4a53-9b6e-2f3c8d7e6a41")

_PAYMENT_TYPES = frozenset({TransactionType.STK_PUSH})
_STK_OUTCOMES = {
    TransactionStatus.COMPLETED: EventType.PAYMENT_COMPLETED,
    TransactionStatus.FAILED: EventType.PAYMENT_FAILED,
    # The customer never answered the prompt: a failed payment to the merchant; the status says which.
    TransactionStatus.TIMEOUT: EventType.PAYMENT_FAILED,
    TransactionStatus.CANCELLED: EventType.PAYMENT_CANCELLED,
    TransactionStatus.EXPIRED: EventType.PAYMENT_EXPIRED,
}


def event_id(subject: str, event_type: EventType, detail: str = "") -> str:
    return f"evt_{uuid.uuid5(_EVENT_NAMESPACE, f'{subject}|{event_type.value}|{detail}').hex}"


def transaction_events(before: Transaction | None, after: Transaction) -> list[tuple[str, EventType]]:
    """(event id, type) for each event this change of a transaction is."""
    found: list[tuple[str, EventType]] = []
    became = after.status if before is None or before.status is not after.status else None
    if became is not None and (event_type := _settlement_event(after.type, became)):
        found.append((event_id(after.transaction_id, event_type), event_type))
    if after.conflict and (before is None or before.conflict != after.conflict):
        kind = EventType.TRANSACTION_CONFLICT
        found.append((event_id(after.transaction_id, kind, after.conflict), kind))
    return found


def _settlement_event(kind: TransactionType, status: TransactionStatus) -> EventType | None:
    if status is TransactionStatus.PENDING:
        return None
    if status is TransactionStatus.REVERSED:
        return EventType.TRANSACTION_REVERSED
    completed = status is TransactionStatus.COMPLETED
    if kind in _PAYMENT_TYPES:
        return _STK_OUTCOMES[status]
    if kind in PAYOUT_TYPES:
        return EventType.PAYOUT_COMPLETED if completed else EventType.PAYOUT_FAILED
    by_kind = {
        TransactionType.C2B: EventType.C2B_RECEIVED,
        TransactionType.SMS: EventType.SMS_EXTRACTED,
        TransactionType.STATUS_QUERY: EventType.STATUS_RESULT,
        TransactionType.REVERSAL: EventType.REVERSAL_COMPLETED if completed else EventType.REVERSAL_FAILED,
        TransactionType.BALANCE_QUERY: EventType.BALANCE_UPDATED if completed else EventType.BALANCE_FAILED,
        # Approved by the customer; else declined, unreachable, refused or expired (the status says which).
        TransactionType.STANDING_ORDER: EventType.STANDING_ORDER_CREATED
        if completed
        else EventType.STANDING_ORDER_FAILED,
        TransactionType.INVOICE_PAYMENT: EventType.INVOICE_PAID,
    }
    return by_kind[kind]


def validation_rejection(before: RawCallback | None, after: RawCallback) -> str | None:
    """The event id when a stored C2B validation request has just been marked rejected, else None."""
    if after.kind is not CallbackKind.C2B_VALIDATION or not is_rejection(after.outcome):
        return None
    if before is not None and before.outcome == after.outcome:
        return None
    return event_id(after.callback_id, EventType.C2B_VALIDATION_REJECTED)
