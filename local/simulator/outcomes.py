"""Asynchronous outcomes: what a request ends in, and when that becomes visible."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

SUCCESS = 0

RESULT_DESCRIPTIONS: dict[int, str] = {
    0: "The service request is processed successfully.",
    1: "The balance is insufficient for the transaction.",
    17: "Rule limited.",
    26: "System busy.",
    1001: "Unable to lock subscriber, a transaction is already in process for the current subscriber.",
    1019: "Transaction has expired.",
    1025: "An error occurred while sending a push request.",
    1032: "Request cancelled by user.",
    1037: "DS timeout user cannot be reached.",
    2001: "The initiator information is invalid.",
}


def result_description(result_code: int) -> str:
    return RESULT_DESCRIPTIONS.get(result_code, "Simulated failure")


@dataclass(frozen=True)
class Outcome:
    result_code: int
    result_desc: str
    settles_at: float  # time.monotonic() value; independent of the callback being delivered

    @classmethod
    def after(cls, result_code: int, delay_ms: int) -> Outcome:
        return cls(result_code, result_description(result_code), time.monotonic() + delay_ms / 1000)

    @property
    def is_success(self) -> bool:
        return self.result_code == SUCCESS

    def is_settled(self) -> bool:
        return time.monotonic() >= self.settles_at


RecordT = TypeVar("RecordT")


class Ledger(Generic[RecordT]):
    """Thread-safe records by id (CheckoutRequestID now; ConversationID for later APIs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, RecordT] = {}

    def add(self, key: str, record: RecordT) -> bool:
        """Stores the record unless the key is taken; False tells the caller to draw a new id."""
        with self._lock:
            if key in self._records:
                return False
            self._records[key] = record
            return True

    def get(self, key: str) -> RecordT | None:
        with self._lock:
            return self._records.get(key)
