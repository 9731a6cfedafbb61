"""Reversal, transaction status and account balance: asked of Daraja, answered by a later Result."""

from __future__ import annotations

from typing import Any

from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.ledger import Ledger
from mpesa_gateway.models import PaymentApp, Transaction, TransactionStatus, TransactionType
from mpesa_gateway.payouts.models import ReversalRequest
from mpesa_gateway.tracked import Tracked, TrackedRequests

REVERSAL_PATH = "/mpesa/reversal/v1/request"
STATUS_PATH = "/mpesa/transactionstatus/v1/query"
BALANCE_PATH = "/mpesa/accountbalance/v1/query"
SHORT_CODE_IDENTIFIER = "4"


class AccountService:
    def __init__(self, tracked: TrackedRequests, ledger: Ledger) -> None:
        self._tracked = tracked
        self._ledger = ledger

    def reverse(self, app: PaymentApp, reference: str, request: ReversalRequest, base_url: str) -> Tracked:
        original = self._ledger.find(app.app_id, reference)
        if original.status is not TransactionStatus.COMPLETED or not original.receipt_number:
            raise InvalidRequest(
                f"Only a completed transaction with a receipt can be reversed ({original.status.value})",
                field="transaction",
            )
        name, credential = self._tracked.initiator(app)

        def payload(transaction_id: str, urls: dict[str, str]) -> dict[str, Any]:
            return {
                "Initiator": name,
                "SecurityCredential": credential,
                "CommandID": "TransactionReversal",
                "TransactionID": original.receipt_number,
                "Amount": original.amount,
                "ReceiverParty": app.short_code,
                "RecieverIdentifierType": "11",  # Safaricom's spelling and value for reversals
                "Remarks": request.remarks,
                "Occasion": "",
                **urls,
            }

        return self._tracked.start(
            app,
            kind=TransactionType.REVERSAL,
            path=REVERSAL_PATH,
            payload=payload,
            base_url=base_url,
            what="reversal",
            **_about(original),
        )

    def status(self, app: PaymentApp, reference: str, base_url: str) -> Tracked:
        original = self._ledger.find(app.app_id, reference)
        if not original.receipt_number and not original.conversation_id:
            raise InvalidRequest(
                "This transaction has neither an M-Pesa receipt nor a ConversationID to ask about",
                field="transaction",
            )
        name, credential = self._tracked.initiator(app)

        def payload(transaction_id: str, urls: dict[str, str]) -> dict[str, Any]:
            return {
                "Initiator": name,
                "SecurityCredential": credential,
                "CommandID": "TransactionStatusQuery",
                "TransactionID": original.receipt_number or "",
                "OriginalConversationID": original.conversation_id or "",
                "PartyA": app.short_code,
                "IdentifierType": SHORT_CODE_IDENTIFIER,
                "Remarks": "Status",
                "Occasion": "",
                **urls,
            }

        return self._tracked.start(
            app,
            kind=TransactionType.STATUS_QUERY,
            path=STATUS_PATH,
            payload=payload,
            base_url=base_url,
            what="status query",
            **_about(original),
        )

    def balance(self, app: PaymentApp, base_url: str) -> Tracked:
        name, credential = self._tracked.initiator(app)

        def payload(transaction_id: str, urls: dict[str, str]) -> dict[str, Any]:
            return {
                "Initiator": name,
                "SecurityCredential": credential,
                "CommandID": "AccountBalance",
                "PartyA": app.short_code,
                "IdentifierType": SHORT_CODE_IDENTIFIER,
                "Remarks": "Balance",
                **urls,
            }

        return self._tracked.start(
            app,
            kind=TransactionType.BALANCE_QUERY,
            path=BALANCE_PATH,
            payload=payload,
            base_url=base_url,
            what="balance query",
        )


def _about(original: Transaction) -> dict[str, Any]:
    """What a request about another transaction records of it."""
    return {
        "amount": original.amount,
        "reference": original.receipt_number or "",
        "related_transaction_id": original.transaction_id,
    }
