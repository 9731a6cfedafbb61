"""Stored Safaricom callbacks, for operators: above all the unmatched ones, which may be money to trace."""

from __future__ import annotations

from admin.models import InvalidField
from mpesa_gateway.callbacks import CallbackOutcome, RawCallback, ValidationSummary
from mpesa_gateway.store.transactions import DynamoTransactionStore

MAX_LISTED = 200


class CallbackAdmin:
    def __init__(self, transactions_table: str) -> None:
        self._store = DynamoTransactionStore(transactions_table)

    def recent(self, app_id: str, outcome: str | None, limit: int) -> list[RawCallback]:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidField("limit", f"`limit` must be between 1 and {MAX_LISTED}")
        return self._store.recent_callbacks(
            app_id, None if outcome is None else stored_outcome(outcome), limit
        )


def stored_outcome(text: str) -> CallbackOutcome | ValidationSummary:
    """An outcome as the store keeps it: one of CallbackOutcome's values, else a validation's summary."""
    try:
        return CallbackOutcome(text)
    except ValueError:
        return ValidationSummary(text)
