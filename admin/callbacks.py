"""Stored Safaricom callbacks, for operators: above all the unmatched ones, which may be money to trace."""

from __future__ import annotations

from typing import Any

from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.store.transactions import DynamoTransactionStore

MAX_LISTED = 200


class CallbackAdmin:
    def __init__(self, transactions_table: str) -> None:
        self._store = DynamoTransactionStore(transactions_table)

    def recent(self, app_id: str, outcome: str | None, limit: int) -> list[dict[str, Any]]:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidRequest(f"--limit must be between 1 and {MAX_LISTED}", field="limit")
        return [
            callback.model_dump(mode="json")
            for callback in self._store.recent_callbacks(app_id, outcome, limit)
        ]
