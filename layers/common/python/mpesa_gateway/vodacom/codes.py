"""Vodacom's INS- codes, by what they mean for money in flight (the same rule as Daraja's).

A refusal fails the transaction only when the code says Vodacom did nothing with the request: it was
malformed, unauthorised, or the customer or an account provably refused it. Anything else (an internal
error, a timeout, an overload, a duplicate of a request that may have gone through, a code not known
here, a 5xx) leaves the outcome unknown: the request is never resent, and queryTransactionStatus settles it.
"""

from __future__ import annotations

from mpesa_gateway.models import TransactionStatus

SUCCESS = "INS-0"
# The bearer's session: not active yet, or expired / unknown. Refused before anything was done.
SESSION_NOT_ACTIVE = "INS-989"
SESSION_EXPIRED = "INS-991"
INVALID_API_KEY = "INS-2"

# Refusals after which nothing happened, and the status they leave the transaction in.
REFUSALS: dict[str, TransactionStatus] = {
    INVALID_API_KEY: TransactionStatus.FAILED,
    "INS-4": TransactionStatus.FAILED,  # user not active
    "INS-5": TransactionStatus.CANCELLED,  # the customer cancelled
    "INS-6": TransactionStatus.FAILED,  # transaction failed
    "INS-13": TransactionStatus.FAILED,  # invalid shortcode
    "INS-14": TransactionStatus.FAILED,  # invalid reference
    "INS-15": TransactionStatus.FAILED,  # invalid amount
    "INS-17": TransactionStatus.FAILED,  # invalid transaction reference length
    "INS-18": TransactionStatus.FAILED,  # invalid transaction id
    "INS-19": TransactionStatus.FAILED,  # invalid third party id
    "INS-20": TransactionStatus.FAILED,  # not all parameters provided
    "INS-21": TransactionStatus.FAILED,  # parameter validation failed
    "INS-22": TransactionStatus.FAILED,  # invalid operation type
    "INS-24": TransactionStatus.FAILED,  # invalid initiator
    "INS-25": TransactionStatus.FAILED,  # invalid security credential
    "INS-26": TransactionStatus.FAILED,  # not authorised
    "INS-993": TransactionStatus.FAILED,  # direct debit missing
    "INS-994": TransactionStatus.FAILED,  # direct debit already exists
    "INS-995": TransactionStatus.FAILED,  # customer's profile has problems
    "INS-996": TransactionStatus.FAILED,  # customer account not active
    "INS-997": TransactionStatus.FAILED,  # linking transaction not found
    "INS-998": TransactionStatus.FAILED,  # invalid market
    "INS-2001": TransactionStatus.FAILED,  # initiator authentication error
    "INS-2002": TransactionStatus.FAILED,  # receiver invalid
    "INS-2006": TransactionStatus.FAILED,  # insufficient balance
    "INS-2051": TransactionStatus.FAILED,  # MSISDN invalid
    "INS-2057": TransactionStatus.FAILED,  # language code invalid
}
# Refusals about the request's content, which the merchant can correct (a 400 rather than a 424).
CONTENT_REFUSALS = frozenset(
    {"INS-13", "INS-14", "INS-15", "INS-17", "INS-19", "INS-20", "INS-21", "INS-2051", "INS-2057"}
)

# queryTransactionStatus's output_ResponseTransactionStatus, lower-cased: the final ones. Vodacom's
# "Transaction Status Values" are Completed, Pending, Cancelled, Expired (the customer never answered),
# Failed and N/A (nothing found): Pending and N/A settle nothing.
QUERY_STATUSES: dict[str, TransactionStatus] = {
    "completed": TransactionStatus.COMPLETED,
    "failed": TransactionStatus.FAILED,
    "cancelled": TransactionStatus.CANCELLED,
    "expired": TransactionStatus.TIMEOUT,
}


def refusal_status(code: str | None) -> TransactionStatus | None:
    """The status a refusal with this code leaves the transaction in; None when the outcome is unknown."""
    return REFUSALS.get(code or "")


def queried_status(reported: str | None) -> TransactionStatus | None:
    """A final status from queryTransactionStatus's answer; None while pending or not known here."""
    return QUERY_STATUSES.get((reported or "").strip().lower())
