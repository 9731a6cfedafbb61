"""Settling a transaction by evidence (a callback, a result), whatever state it is already in."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from mpesa_gateway.callbacks import CallbackOutcome
from mpesa_gateway.models import Transaction, TransactionStatus
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.store.transactions import Settlement, TransactionStore


def settle_by_evidence(
    transactions: TransactionStore, transaction_id: str, settlement: Settlement
) -> tuple[Transaction | None, CallbackOutcome]:
    """Settle a pending transaction; for one already final, say what the evidence was: a duplicate,
    a missing receipt, proof of payment that overrules a weaker settlement, or a conflict kept for people.
    Returns the transaction as it now is and that outcome."""
    updated = transactions.settle(transaction_id, settlement)
    if updated is not None:
        return updated, CallbackOutcome.APPLIED
    current = transactions.get(transaction_id)
    if current is None:
        return None, CallbackOutcome.UNMATCHED
    if current.status is settlement.status or _already_moved_on(current, settlement):
        if settlement.receipt_number and not current.receipt_number:
            return transactions.add_receipt(
                transaction_id, settlement
            ) or current, CallbackOutcome.RECEIPT_ADDED
        return current, CallbackOutcome.DUPLICATE
    claim = (
        f"{settlement.settled_by} said {settlement.status.value} ({settlement.result_code}) "
        f"after {current.status.value} by {current.settled_by}"
    )
    metrics.add_metric(name="SettlementConflict", unit=MetricUnit.Count, value=1)
    logger.error("settlement conflict", extra={"transaction_id": transaction_id, "conflict": claim})
    # Money moved: that overrules a refusal, a query's answer or the gateway giving up; any callback
    # or result overrules giving up (the store's condition decides, so a race cannot break the rule).
    if overruled := transactions.overrule(transaction_id, settlement, claim):
        return overruled, CallbackOutcome.OVERRULED
    transactions.flag_conflict(transaction_id, claim)
    return current, CallbackOutcome.CONFLICT


def _already_moved_on(current: Transaction, settlement: Settlement) -> bool:
    """A completed payment that was reversed since: its late success evidence is old news."""
    return current.status is TransactionStatus.REVERSED and settlement.status is TransactionStatus.COMPLETED
