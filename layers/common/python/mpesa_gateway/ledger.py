"""An app's transactions of every type: one by id, or pages of them, newest first."""

from __future__ import annotations

import hashlib
import uuid

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mpesa_gateway.answers import TransactionPage
from mpesa_gateway.cursors import decode_cursor, encode_cursor
from mpesa_gateway.errors import InvalidRequest, NotFound
from mpesa_gateway.models import Transaction, TransactionStatus, TransactionType, TransactionView
from mpesa_gateway.store.transactions import ListCriteria, TransactionStore

TRANSACTION_ID_PREFIX = "txn_"
C2B_TRANSACTION_PREFIX = "txn_c2b_"
SMS_TRANSACTION_PREFIX = "txn_sms_"


class ListQuery(BaseModel):
    """GET /api/pay/{app}/transactions query parameters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    status: TransactionStatus | None = None
    type: TransactionType | None = None
    # Offsets are required: a bare local time is ambiguous between Nairobi and UTC.
    since: AwareDatetime | None = Field(default=None, alias="from")
    until: AwareDatetime | None = Field(default=None, alias="to")
    reference: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)


def new_transaction_id(idempotency_scope: str | None = None) -> str:
    """Random, or derived from a request's Idempotency-Key scope: a retry of a request whose first
    attempt died (a killed Lambda, a lost answer) finds that attempt's transaction instead of sending
    the request again."""
    if idempotency_scope is None:
        return f"{TRANSACTION_ID_PREFIX}{uuid.uuid4().hex}"
    return f"{TRANSACTION_ID_PREFIX}{hashlib.sha256(idempotency_scope.encode()).hexdigest()[:32]}"


def c2b_transaction_id(app_id: str, trans_id: str) -> str:
    """One M-Pesa receipt per app, one transaction: derived from TransID, which makes it idempotent;
    per app, so a confirmation sent to another app's URL can never stand in for this app's."""
    return f"{C2B_TRANSACTION_PREFIX}{app_id}_{trans_id.upper()}"


# A Fuliza notice reuses the receipt of the payment it topped up: a second record, not a duplicate.
_RECEIPT_SHARING_SMS_TYPES = frozenset({"fuliza", "fuliza_repayment"})


def sms_transaction_id(app_id: str, receipt: str, sms_type: str | None = None) -> str:
    """Per app (payer's and payee's phones both get an SMS with the same receipt), per receipt."""
    suffix = f"_{sms_type}" if sms_type in _RECEIPT_SHARING_SMS_TYPES else ""
    return f"{SMS_TRANSACTION_PREFIX}{app_id}_{receipt.upper()}{suffix}"


def transaction_view(transaction: Transaction) -> TransactionView:
    return TransactionView.model_validate(transaction.model_dump(exclude={"merchant_id"}))


class Ledger:
    def __init__(self, transactions: TransactionStore) -> None:
        self._transactions = transactions

    def find(self, app_id: str, reference: str) -> Transaction:
        """By the gateway's transaction id, an STK CheckoutRequestID, or an M-Pesa receipt (C2B, SMS)."""
        if reference.startswith(TRANSACTION_ID_PREFIX):
            found = self._transactions.get(reference)
        elif reference.startswith("ws_CO_"):
            found = self._transactions.find_by_checkout(reference)
        else:
            by_receipt = (c2b_transaction_id(app_id, reference), sms_transaction_id(app_id, reference))
            found = next(filter(None, map(self._transactions.get, by_receipt)), None)
        if found is None or found.app_id != app_id:
            raise NotFound(f"No transaction '{reference}' in payment app '{app_id}'", field="transaction")
        return found

    def page(self, app_id: str, query: ListQuery) -> TransactionPage:
        if query.since and query.until and query.since > query.until:
            raise InvalidRequest("from is after to", field="from")
        criteria = ListCriteria(**query.model_dump(include=set(ListCriteria.model_fields)))
        start = decode_cursor(query.cursor, f"APP#{app_id}") if query.cursor else None
        found, resume = self._transactions.page_for_app(app_id, criteria, query.limit, start)
        return TransactionPage(
            data=[transaction_view(transaction) for transaction in found],
            next_cursor=encode_cursor(resume) if resume else None,
        )
