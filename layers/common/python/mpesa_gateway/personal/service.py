"""Recording transactions read from SMS: once per receipt per app, with the newest balance kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from mpesa_gateway.daraja.formats import nairobi_now
from mpesa_gateway.errors import NotFound, NotProcessable
from mpesa_gateway.ledger import sms_transaction_id
from mpesa_gateway.models import PaymentApp, Transaction, TransactionStatus, TransactionType
from mpesa_gateway.observability import metrics
from mpesa_gateway.personal.models import ExtractRequest
from mpesa_gateway.sms import NotATransaction, ParsedSms, parse_sms
from mpesa_gateway.store.transactions import TransactionStore


class PersonalService:
    def __init__(self, transactions: TransactionStore) -> None:
        self._transactions = transactions

    def extract(self, app: PaymentApp, request: ExtractRequest) -> dict[str, Any] | list[dict[str, Any]]:
        """One message: its transaction, or 422. A batch: one entry per message, each with its own error.

        The few shapes that print no time (Fuliza notices, short reversals) take the time they arrived.
        """
        if request.message is not None:
            try:
                return self._record(app, parse_sms(request.message, received_at=nairobi_now()))
            except NotATransaction as error:
                raise NotProcessable(
                    f"Not a completed M-Pesa transaction: {error.reason}", field="message"
                ) from None
        results: list[dict[str, Any]] = []
        for index, text in enumerate(request.messages or []):
            try:
                results.append(self._record(app, parse_sms(text, received_at=nairobi_now())))
            except NotATransaction as error:
                results.append(
                    {"index": index, "error": {"code": NotProcessable.code, "message": error.reason}}
                )
        return results

    def latest_balance(self, app: PaymentApp) -> dict[str, Any]:
        balance = self._transactions.latest_balance(app.app_id)
        if balance is None:
            raise NotFound("No SMS with a balance has been recorded for this app yet", field="balance")
        return balance

    def _record(self, app: PaymentApp, parsed: ParsedSms) -> dict[str, Any]:
        details = parsed.to_dict()
        created = self._transactions.create(_transaction(app, parsed, details))
        if created:
            metrics.add_metric(name="SmsTransactionRecorded", unit=MetricUnit.Count, value=1)
            if parsed.balance is not None:
                self._transactions.record_balance(
                    app.app_id, details["balance"], parsed.transaction_time, parsed.transaction_id
                )
        return {**details, "already_recorded": not created}


def _transaction(app: PaymentApp, parsed: ParsedSms, details: dict[str, Any]) -> Transaction:
    now = datetime.now(UTC)
    money_in = bool(parsed.payer_account or parsed.payer_name)
    return Transaction(
        transaction_id=sms_transaction_id(app.app_id, parsed.transaction_id, str(parsed.type)),
        app_id=app.app_id,
        merchant_id=app.merchant_id,
        type=TransactionType.SMS,
        status=TransactionStatus.COMPLETED,
        # Whole shillings here; the exact amount (with cents) is paid_amount and in details.
        amount=int(parsed.amount),
        paid_amount=details["amount"],
        phone_number=parsed.payer_account if money_in else parsed.payee_account,
        reference=parsed.account_number,
        description=str(parsed.type),
        receipt_number=parsed.transaction_id,
        transaction_date=parsed.transaction_time,
        payer_name=parsed.payer_name or None,
        settled_by="sms",
        details=details,
        created_at=now,
        updated_at=now,
    )
