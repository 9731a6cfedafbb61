"""Every Vodacom transaction the simulator took: what queryTransactionStatus and reversals know."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from local.simulator.ids import new_hex_id, new_receipt_number
from local.simulator.vodacom.codes import CANCELLED, SUCCESS, TIMEOUT

# A fault run of thousands of payments must fit; a record is a few hundred bytes.
MAX_TRANSACTIONS = 200_000


class Kind(StrEnum):
    C2B = "c2b"
    B2C = "b2c"
    B2B = "b2b"
    REVERSAL = "reversal"


class Status(StrEnum):
    """output_ResponseTransactionStatus values."""

    PENDING = "Pending"  # the customer has not acted yet
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"
    EXPIRED = "Expired"
    FAILED = "Failed"
    UNKNOWN = "N/A"  # what a query for a reference the simulator never saw gets


def status_of(code: str) -> Status:
    if code == SUCCESS:
        return Status.COMPLETED
    return {CANCELLED: Status.CANCELLED, TIMEOUT: Status.EXPIRED}.get(code, Status.FAILED)


@dataclass(frozen=True)
class Transaction:
    kind: Kind
    market: str
    transaction_id: str  # drawn at once, but only a Completed transaction reports it
    conversation_id: str
    third_party_conversation_id: str
    service_provider_code: str  # the organisation's side: its code, or B2B's primary party
    amount: Decimal
    currency: str
    counterparty: str  # the customer's MSISDN, B2B's receiver code, or the reversed TransactionID
    status: Status = Status.PENDING
    code: str = ""  # the INS- code it ended with; "" while pending
    reversed: bool = False

    @property
    def completed(self) -> bool:
        return self.status is Status.COMPLETED

    @property
    def reported_transaction_id(self) -> str:
        return self.transaction_id if self.completed else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "market": self.market,
            "transaction_id": self.reported_transaction_id,
            "conversation_id": self.conversation_id,
            "third_party_conversation_id": self.third_party_conversation_id,
            "service_provider_code": self.service_provider_code,
            "amount": str(self.amount),
            "currency": self.currency,
            "counterparty": self.counterparty,
            "status": self.status.value,
            "code": self.code,
            "reversed": self.reversed,
        }


class TransactionBook:
    """Thread-safe records by ConversationID, found by any of their three ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, Transaction] = {}  # by ConversationID, in insertion order
        self._index: dict[str, str] = {}  # TransactionID or ThirdPartyConversationID -> ConversationID

    def open(self, **fields: Any) -> Transaction | None:
        """Records a new pending transaction with fresh ids; None when its ThirdPartyConversationID
        was used before (Vodacom's duplicate check)."""
        with self._lock:
            if fields["third_party_conversation_id"] in self._index:
                return None
            while True:  # 32 hex digits and 10 characters: a retry is all but never needed
                record = Transaction(
                    transaction_id=new_receipt_number(), conversation_id=new_hex_id(), **fields
                )
                ids = (record.conversation_id, record.transaction_id)
                if not any(key in self._records or key in self._index for key in ids):
                    break
            if len(self._records) >= MAX_TRANSACTIONS:
                self._forget(next(iter(self._records)))
            self._records[record.conversation_id] = record
            self._index[record.transaction_id] = record.conversation_id
            self._index[record.third_party_conversation_id] = record.conversation_id
            return record

    def settle(self, conversation_id: str, code: str) -> Transaction:
        with self._lock:
            record = replace(self._records[conversation_id], status=status_of(code), code=code)
            self._records[conversation_id] = record
            return record

    def find(self, reference: str) -> Transaction | None:
        """By TransactionID (of a completed transaction), ConversationID or ThirdPartyConversationID."""
        with self._lock:
            record = self._records.get(self._index.get(reference, reference))
        if record is None or (reference == record.transaction_id and not record.completed):
            return None
        return record

    def mark_reversed(self, transaction_id: str) -> Transaction | None:
        """Marks a completed transaction reversed in one step; answers it as it was before (None when
        unknown), so `.reversed` on the answer tells a second reversal from the first."""
        with self._lock:
            record = self._records.get(self._index.get(transaction_id, ""))
            if record is None or record.transaction_id != transaction_id or not record.completed:
                return None
            if not record.reversed:
                self._records[record.conversation_id] = replace(record, reversed=True)
            return record

    def all(self) -> list[Transaction]:
        with self._lock:
            return list(self._records.values())

    def clear(self) -> int:
        with self._lock:
            count = len(self._records)
            self._records.clear()
            self._index.clear()
        return count

    def _forget(self, conversation_id: str) -> None:
        record = self._records.pop(conversation_id)
        self._index.pop(record.transaction_id, None)
        self._index.pop(record.third_party_conversation_id, None)
