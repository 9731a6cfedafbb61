"""M-PESA confirmation SMS to structured transactions (pure: no AWS, no I/O)."""

from mpesa_gateway.sms.parser import (
    CURRENCY,
    EAT,
    STATUS_COMPLETED,
    TRANSACTION_TYPES,
    NotATransaction,
    ParsedSms,
    TransactionType,
    parse_sms,
)

__all__ = [
    "CURRENCY",
    "EAT",
    "STATUS_COMPLETED",
    "TRANSACTION_TYPES",
    "NotATransaction",
    "ParsedSms",
    "TransactionType",
    "parse_sms",
]
