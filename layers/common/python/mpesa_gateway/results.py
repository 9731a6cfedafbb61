"""Daraja's Result and QueueTimeOut callbacks: settle the tracked request each one answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mpesa_gateway.answers import ACCEPTED, CallbackAck
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.callbacks import (
    CallbackKind,
    CallbackOutcome,
    RawCallback,
    applied_safely,
    reapplied,
    received,
)
from mpesa_gateway.daraja.formats import NAIROBI, parse_daraja_timestamp
from mpesa_gateway.daraja.results import DarajaResult, ResultEnvelope, parse_account_balance
from mpesa_gateway.ledger import TRANSACTION_ID_PREFIX
from mpesa_gateway.models import (
    BalanceDetails,
    PaymentApp,
    SettledBy,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from mpesa_gateway.observability import logger
from mpesa_gateway.settling import settle_by_evidence
from mpesa_gateway.store.transactions import Settlement, TransactionStore

QUEUE_TIMEOUT_NOTE = (
    "Daraja's queue timed out; this is not an outcome: the request may still be carried out. It stays "
    "PENDING until its result arrives or a Transaction Status query settles it; do not resend it."
)


class ResultService:
    def __init__(self, apps: AppDirectory, transactions: TransactionStore) -> None:
        self._apps = apps
        self._transactions = transactions

    def result(self, app: PaymentApp, raw_body: str | None) -> CallbackAck:
        callback, result = self._receive(app, raw_body, CallbackKind.RESULT)
        applied_safely(lambda: self._apply_stored(app, callback, result), app.app_id)
        return ACCEPTED

    def timeout(self, app: PaymentApp, raw_body: str | None) -> CallbackAck:
        callback, result = self._receive(app, raw_body, CallbackKind.TIMEOUT)
        applied_safely(lambda: self._apply_stored(app, callback, result), app.app_id)
        return ACCEPTED

    def reapply(self, callback: RawCallback) -> None:
        reapplied(
            self._apps, self._transactions, callback, ResultEnvelope,
            lambda app, envelope: self._apply_stored(app, callback, envelope.Result),
        )  # fmt: skip

    def _apply_stored(self, app: PaymentApp, callback: RawCallback, result: DarajaResult) -> None:
        transaction = self._match(app, result)
        if transaction is None:
            outcome = CallbackOutcome.UNMATCHED
        elif callback.kind is CallbackKind.TIMEOUT:
            outcome = self._note_timeout(transaction)
        else:
            outcome = self._apply(app, transaction, result)
        self._transactions.mark_callback(
            callback, outcome, transaction.transaction_id if transaction else None
        )

    def _note_timeout(self, transaction: Transaction) -> CallbackOutcome:
        if transaction.status is not TransactionStatus.PENDING:
            return CallbackOutcome.LATE
        self._transactions.note_error(transaction.transaction_id, QUEUE_TIMEOUT_NOTE)
        return CallbackOutcome.TIMEOUT_NOTED

    def _receive(
        self, app: PaymentApp, raw_body: str | None, kind: CallbackKind
    ) -> tuple[RawCallback, DarajaResult]:
        """The stored raw callback and the parsed Result; stored before anything else."""
        callback, envelope = received(
            self._transactions, app, kind, raw_body, ResultEnvelope,
            key=lambda envelope: envelope.Result.OriginatorConversationID or envelope.Result.ConversationID,
            what=f"a Daraja {kind}",
        )  # fmt: skip
        return callback, envelope.Result

    def _match(self, app: PaymentApp, result: DarajaResult) -> Transaction | None:
        found = None
        if result.OriginatorConversationID.startswith(TRANSACTION_ID_PREFIX):
            found = self._transactions.get(result.OriginatorConversationID)
        if found is None and result.ConversationID:
            found = self._transactions.find_by_conversation(result.ConversationID)
        if found is None or found.app_id != app.app_id:
            logger.warning("result for an unknown request", extra={"app_id": app.app_id})
            return None
        return found

    def _apply(self, app: PaymentApp, transaction: Transaction, result: DarajaResult) -> CallbackOutcome:
        parameters = result.parameters()
        settlement = Settlement(
            status=TransactionStatus.COMPLETED if result.succeeded else TransactionStatus.FAILED,
            result_code=result.result_code,
            result_desc=result.ResultDesc,
            settled_by=SettledBy.RESULT,
            # A failure's TransactionID is a placeholder (NLJ0000000), never a receipt.
            receipt_number=(result.TransactionID or _text(parameters.get("TransactionReceipt")))
            if result.succeeded
            else None,
            transaction_date=_completed_at(parameters),
            **(_details(transaction.type, parameters) if result.succeeded else {}),
        )
        if result.succeeded:
            # A success is proof: its effects on other records go first, so that once a client sees
            # this request final they are done. Each is conditional: repeating them changes nothing.
            self._follow_up(app, transaction, settlement, parameters)
        _, outcome = settle_by_evidence(self._transactions, transaction.transaction_id, settlement)
        about = transaction.related_transaction_id
        if (
            outcome is CallbackOutcome.APPLIED
            and not result.succeeded
            and transaction.type is TransactionType.REVERSAL
            and about
        ):
            # A failed reversal leaves the way open for another.
            self._transactions.release_reversal(about, transaction.transaction_id)
        return outcome

    def _follow_up(
        self, app: PaymentApp, request: Transaction, settlement: Settlement, parameters: dict[str, Any]
    ) -> None:
        """What a successful reversal, status or balance result means beyond its own request."""
        about = request.related_transaction_id
        if request.type is TransactionType.REVERSAL and about:
            self._transactions.mark_reversed(about, request.transaction_id)
        elif request.type is TransactionType.STATUS_QUERY and about:
            self._settle_by_status(about, parameters)
        elif request.type is TransactionType.BALANCE_QUERY and settlement.balance:
            working = next(iter(settlement.balance.accounts), None)
            if working:
                self._transactions.record_balance(
                    app.app_id, working.available_balance or "", None, request.transaction_id
                )

    def _settle_by_status(self, transaction_id: str, parameters: dict[str, Any]) -> None:
        """A status result saying Completed settles a payment whose own result never came."""
        if str(parameters.get("TransactionStatus", "")).lower() != "completed":
            return
        completed = Settlement(
            status=TransactionStatus.COMPLETED,
            result_code=0,
            result_desc="Completed (by transaction status query)",
            settled_by=SettledBy.STATUS_QUERY,
            receipt_number=_text(parameters.get("ReceiptNo")),
        )
        asked_about = self._transactions.get(transaction_id)
        if (
            asked_about
            and asked_about.type is TransactionType.REVERSAL
            and asked_about.related_transaction_id
        ):
            # A reversal whose own result was lost: its original is reversed all the same (first, as above).
            self._transactions.mark_reversed(asked_about.related_transaction_id, transaction_id)
        settle_by_evidence(self._transactions, transaction_id, completed)


def _details(kind: TransactionType, parameters: dict[str, Any]) -> dict[str, Any]:
    """A successful result's facts, as the Settlement field of its kind."""
    if kind is TransactionType.BALANCE_QUERY:
        accounts = parse_account_balance(parameters.get("AccountBalance", ""))
        return {"balance": BalanceDetails.model_validate({"accounts": accounts})}
    return {"result_parameters": parameters}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _completed_at(parameters: dict[str, Any]) -> datetime | None:
    """B2C says "15.03.2026 14:30:00", B2B and reversals 20260315143000; both Nairobi time."""
    if stamp := parameters.get("TransactionCompletedDateTime"):
        try:
            return datetime.strptime(str(stamp), "%d.%m.%Y %H:%M:%S").replace(tzinfo=NAIROBI)
        except ValueError:
            return None
    if stamp := parameters.get("TransCompletedTime"):
        try:
            return parse_daraja_timestamp(stamp)
        except ValueError:
            return None
    return None
