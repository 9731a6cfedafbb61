"""M-Pesa receipts the simulator issued (STK, C2B, B2C, B2B): what reversals and status queries know."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from local.simulator.clock import daraja_timestamp, nairobi_now
from local.simulator.ids import new_receipt_number

CUSTOMER_PUBLIC_NAME = "JOHN DOE"
BUSINESS_PUBLIC_NAME = "Daraja Simulator Business"
CUSTOMER_ACCOUNT = "MMF Account"  # what Daraja names a customer's wallet in status results


def customer_public_name(msisdn: str) -> str:
    return f"{msisdn} - {CUSTOMER_PUBLIC_NAME}"


def business_public_name(short_code: str) -> str:
    return f"{short_code} - {BUSINESS_PUBLIC_NAME}"


@dataclass(frozen=True)
class Receipt:
    number: str
    reason_type: str  # Daraja's ReasonType, e.g. "Business Payment to Individual via API"
    amount: int
    debit_party: str  # public names, "254708374149 - JOHN DOE" or "600997 - Daraja Simulator Business"
    credit_party: str
    debit_account_type: str  # e.g. "Utility Account", or CUSTOMER_ACCOUNT when a customer paid
    short_code: str  # the organisation's side of the transaction
    completed_at: datetime  # Nairobi
    conversation_id: str = ""
    originator_conversation_id: str = ""
    payout_account: str | None = None  # the organisation account a payout came from; a reversal refunds it
    reversed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "receipt": self.number,
            "reason_type": self.reason_type,
            "amount": self.amount,
            "debit_party": self.debit_party,
            "credit_party": self.credit_party,
            "short_code": self.short_code,
            "completed_at": daraja_timestamp(self.completed_at),
            "conversation_id": self.conversation_id,
            "originator_conversation_id": self.originator_conversation_id,
            "reversed": self.reversed,
        }


class ReceiptBook:
    """Thread-safe receipts by number."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._receipts: dict[str, Receipt] = {}

    def register(self, receipt: Receipt) -> bool:
        """Stores a receipt drawn elsewhere (STK, C2B); never overwrites."""
        with self._lock:
            if receipt.number in self._receipts:
                return False
            self._receipts[receipt.number] = receipt
            return True

    def issue(self, make: Callable[[str], Receipt]) -> Receipt:
        """Draws a fresh receipt number and stores make(number)."""
        while True:  # 36^9 numbers per first letter: a retry is all but never needed
            receipt = make(new_receipt_number())
            if self.register(receipt):
                return receipt

    def get(self, number: str) -> Receipt | None:
        with self._lock:
            return self._receipts.get(number)

    def find_by_conversation(self, conversation_id: str) -> Receipt | None:
        """The receipt of a request, by its ConversationID or OriginatorConversationID."""
        if not conversation_id:  # customer payments have none; "" must not match them
            return None
        with self._lock:
            receipts = list(self._receipts.values())
        return next(
            (
                receipt
                for receipt in receipts
                if conversation_id in (receipt.conversation_id, receipt.originator_conversation_id)
            ),
            None,
        )

    def reverse(self, number: str) -> Receipt | None:
        """Marks a receipt reversed in one step; answers it as it was before (None when unknown),
        so `.reversed` on the answer tells a second reversal from the first."""
        with self._lock:
            receipt = self._receipts.get(number)
            if receipt is not None and not receipt.reversed:
                self._receipts[number] = replace(receipt, reversed=True)
            return receipt

    def all(self) -> list[Receipt]:
        with self._lock:
            return list(self._receipts.values())


def register_customer_payment(
    receipts: ReceiptBook, number: str, *, amount: int, msisdn: str, short_code: str, reason_type: str
) -> str:
    """Records a customer's payment to a short code (STK, C2B) under its receipt; returns the number."""
    receipts.register(
        Receipt(
            number=number,
            reason_type=reason_type,
            amount=amount,
            debit_party=customer_public_name(msisdn),
            credit_party=business_public_name(short_code),
            debit_account_type=CUSTOMER_ACCOUNT,
            short_code=short_code,
            completed_at=nairobi_now(),
        )
    )
    return number
