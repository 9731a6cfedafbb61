"""M-PESA confirmation SMS to structured transactions (pure: no AWS, no I/O)."""

from mpesa_gateway.sms.parser import (
    BALANCE_ACCOUNTS,
    CURRENCY,
    EAT,
    STATUS_COMPLETED,
    TRANSACTION_TYPES,
    BalanceAccount,
    NotATransaction,
    ParsedSms,
    TransactionType,
    parse_sms,
)

__all__ = [
    "BALANCE_ACCOUNTS",
    "CURRENCY",
    "EAT",
    "STATUS_COMPLETED",
    "TRANSACTION_TYPES",
    "BalanceAccount",
    "NotATransaction",
    "ParsedSms",
    "TransactionType",
    "parse_sms",
]
