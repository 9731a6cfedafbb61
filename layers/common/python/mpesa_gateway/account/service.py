"""Reversal, transaction status and account balance: asked of Daraja, answered by a later Result."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mpesa_gateway.daraja.payloads import AccountBalanceBody, ResultUrls, ReversalBody, TransactionStatusBody
from mpesa_gateway.errors import GatewayError, InvalidRequest, ReversalInFlight
from mpesa_gateway.ledger import Ledger, new_transaction_id
from mpesa_gateway.models import PaymentApp, Transaction, TransactionStatus, TransactionType
from mpesa_gateway.payouts.models import PAYOUT_TYPES, REVERSIBLE_PAYOUT_TYPES, ReversalRequest
from mpesa_gateway.store.transactions import TransactionStore
from mpesa_gateway.tracked import Tracked, TrackedRequests

REVERSAL_PATH = "/mpesa/reversal/v1/request"
STATUS_PATH = "/mpesa/transactionstatus/v1/query"
BALANCE_PATH = "/mpesa/accountbalance/v1/query"
# Requests Daraja answers later, which carry the gateway's id as their OriginatorConversationID.
_SENT_TO_DARAJA = PAYOUT_TYPES | {TransactionType.REVERSAL}
# Only payments move money; a reversal, status or balance request has nothing to undo.
_REVERSIBLE = REVERSIBLE_PAYOUT_TYPES | {TransactionType.STK_PUSH, TransactionType.C2B}


class AccountService:
    def __init__(self, tracked: TrackedRequests, ledger: Ledger, transactions: TransactionStore) -> None:
        self._tracked = tracked
        self._ledger = ledger
        self._transactions = transactions

    def reverse(
        self,
        app: PaymentApp,
        reference: str,
        request: ReversalRequest,
        base_url: str,
        idempotency_scope: str | None = None,
    ) -> Tracked:
        original = self._ledger.find(app.app_id, reference)
        if original.type is TransactionType.TAX_REMITTANCE:
            raise InvalidRequest(
                "A tax remittance is not reversed through M-Pesa: KRA holds the PRN as paid and refunds "
                "overpaid tax itself",
                field="transaction",
            )
        if original.type not in _REVERSIBLE:
            raise InvalidRequest(
                f"A {original.type.value} request moves no money and cannot be reversed", field="transaction"
            )
        receipt = original.receipt_number
        if original.status is not TransactionStatus.COMPLETED or not receipt:
            raise InvalidRequest(
                f"Only a completed transaction with a receipt can be reversed ({original.status.value})",
                field="transaction",
            )
        reversal_id = new_transaction_id(idempotency_scope)
        self._claim_reversal(original, reversal_id)
        try:
            tracked = self._send_reversal(
                app, original, receipt=receipt, request=request, base_url=base_url, reversal_id=reversal_id
            )
        except GatewayError:
            # Refused or never sent (or bad configuration): nothing is on its way.
            self._transactions.release_reversal(original.transaction_id, reversal_id)
            raise
        if tracked.transaction.status is TransactionStatus.FAILED:  # a retry found a refused first attempt
            self._transactions.release_reversal(original.transaction_id, reversal_id)
        return tracked

    def _claim_reversal(self, original: Transaction, reversal_id: str) -> None:
        if self._transactions.claim_reversal(original.transaction_id, reversal_id):
            return
        current = self._transactions.get(original.transaction_id)
        in_flight = current.reversal_in_flight if current else None
        if in_flight != reversal_id:  # the same Idempotency-Key's retry may go on (and replays)
            raise ReversalInFlight(
                f"A reversal of this transaction is already on its way ({in_flight}); wait for its result",
                reversal_transaction_id=in_flight,
            )

    def _send_reversal(
        self,
        app: PaymentApp,
        original: Transaction,
        *,
        receipt: str,
        request: ReversalRequest,
        base_url: str,
        reversal_id: str,
    ) -> Tracked:
        name, credential = self._tracked.initiator(app)

        def body(transaction_id: str, urls: ResultUrls) -> ReversalBody:
            return ReversalBody(
                Initiator=name,
                SecurityCredential=credential,
                # As for B2B: the gateway's id, so a reversal whose answer was lost can still be asked about.
                OriginatorConversationID=transaction_id,
                TransactionID=receipt,
                Amount=_exact_amount(original),
                ReceiverParty=app.short_code,
                Remarks=request.remarks,
                **urls,
            )

        return self._tracked.start(
            app,
            kind=TransactionType.REVERSAL,
            path=REVERSAL_PATH,
            body=body,
            base_url=base_url,
            what="reversal",
            transaction_id=reversal_id,
            **_about(original),
        )

    def status(self, app: PaymentApp, reference: str, base_url: str) -> Tracked:
        original = self._ledger.find(app.app_id, reference)
        # A request the gateway sent to Daraja is known by its OriginatorConversationID: our id.
        conversation = original.conversation_id or (
            original.transaction_id if original.type in _SENT_TO_DARAJA else None
        )
        if not original.receipt_number and not conversation:
            raise InvalidRequest(
                "This transaction has neither an M-Pesa receipt nor a ConversationID to ask about",
                field="transaction",
            )
        name, credential = self._tracked.initiator(app)

        def body(transaction_id: str, urls: ResultUrls) -> TransactionStatusBody:
            return TransactionStatusBody(
                Initiator=name,
                SecurityCredential=credential,
                TransactionID=original.receipt_number or "",
                OriginalConversationID=conversation or "",
                PartyA=app.short_code,
                Remarks="Status",
                **urls,
            )

        return self._tracked.start(
            app,
            kind=TransactionType.STATUS_QUERY,
            path=STATUS_PATH,
            body=body,
            base_url=base_url,
            what="status query",
            **_about(original),
        )

    def balance(self, app: PaymentApp, base_url: str) -> Tracked:
        name, credential = self._tracked.initiator(app)

        def body(transaction_id: str, urls: ResultUrls) -> AccountBalanceBody:
            return AccountBalanceBody(
                Initiator=name,
                SecurityCredential=credential,
                PartyA=app.short_code,
                Remarks="Balance",
                **urls,
            )

        return self._tracked.start(
            app,
            kind=TransactionType.BALANCE_QUERY,
            path=BALANCE_PATH,
            body=body,
            base_url=base_url,
            what="balance query",
        )


def _exact_amount(original: Transaction) -> int | str:
    """What was paid, cents included (a C2B payment of 100.50 is reversed as 100.50, not 100)."""
    if original.paid_amount and Decimal(original.paid_amount) != original.amount:
        return original.paid_amount
    return original.amount


def _about(original: Transaction) -> dict[str, Any]:
    """What a request about another transaction records of it."""
    return {
        "amount": original.amount,
        "reference": original.receipt_number or "",
        "related_transaction_id": original.transaction_id,
    }
