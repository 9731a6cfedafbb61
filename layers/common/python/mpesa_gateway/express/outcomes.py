"""Turning Daraja's result codes and callback metadata into a settlement."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from mpesa_gateway.daraja.formats import parse_daraja_timestamp
from mpesa_gateway.express.models import StkCallback
from mpesa_gateway.models import SettledBy, TransactionStatus
from mpesa_gateway.store.transactions import Settlement

_STATUS_BY_RESULT_CODE = {
    0: TransactionStatus.COMPLETED,
    1032: TransactionStatus.CANCELLED,  # the customer pressed cancel
    1037: TransactionStatus.TIMEOUT,  # unreachable or no PIN in time
    1019: TransactionStatus.TIMEOUT,  # the prompt expired
}
# Result codes that mean the push ended without payment (DARAJA.md): insufficient funds, limits,
# the duplicate rule, subscriber locked, invalid phone, wrong PIN, wrong TransactionType/PartyB,
# locked credential, push error. A status query answering any other code settles nothing.
_FAILURE_CODES = frozenset({1, 2, 3, 4, 8, 17, 1001, 1025, 2001, 2028, 8006, 9999})


def status_for(result_code: int) -> TransactionStatus:
    """The status a callback's result code means: Safaricom's callback is its final word."""
    return _STATUS_BY_RESULT_CODE.get(result_code, TransactionStatus.FAILED)


def money(value: object) -> str | None:
    """An amount as a two-place decimal string ("1.00"), or None when absent or garbled."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return f"{Decimal(str(value)):.2f}"
    except InvalidOperation:
        return None


def from_callback(callback: StkCallback) -> Settlement:
    metadata = callback.CallbackMetadata
    settlement = Settlement(
        status=status_for(callback.ResultCode),
        result_code=callback.ResultCode,
        result_desc=callback.ResultDesc,
        settled_by=SettledBy.CALLBACK,
    )
    if metadata is None:
        return settlement
    date = metadata.value("TransactionDate")
    phone = metadata.value("PhoneNumber")
    receipt = metadata.value("MpesaReceiptNumber")
    return settlement.model_copy(
        update={
            "receipt_number": str(receipt) if receipt is not None else None,
            "paid_amount": money(metadata.value("Amount")),
            "paid_phone_number": str(phone) if phone is not None else None,
            "transaction_date": parse_daraja_timestamp(str(date)) if date is not None else None,
        }
    )


def from_query(result_code: int, result_desc: str) -> Settlement | None:
    """What an STK Query's answer settles; None for a code it does not know to be final."""
    if result_code not in _STATUS_BY_RESULT_CODE and result_code not in _FAILURE_CODES:
        return None
    return Settlement(
        status=status_for(result_code),
        result_code=result_code,
        result_desc=result_desc,
        settled_by=SettledBy.QUERY,
    )
