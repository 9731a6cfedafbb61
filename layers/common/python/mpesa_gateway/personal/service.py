"""Recording transactions read from SMS: once per receipt per app, with the newest balance kept.

Which balance is the newest: SMS reach the gateway late and out of order, and a few shapes (Fuliza
notices, short reversals) print no time, so they are dated by their arrival, which may be long after
they happened. Balances are therefore ranked, per account (M-PESA wallet, Pochi, Till, PayBill):
- a message with its own time ranks at that time;
- a timeless message ranks TIMELESS_SLACK before its arrival, and below a timed message of the same rank.
A balance replaces the kept one only if it ranks strictly later. So a timeless balance never overrules
a timed one whose message time is at or after (its arrival - TIMELESS_SLACK): only a timed balance
clearly older than its arrival gives way to it; a timed balance replaces a timeless one unless its
own time is before that timeless one's arrival - TIMELESS_SLACK; two timed balances of the same minute
keep the first seen. checkBalance says whether `as_of` is the message's time or its arrival.
The rule assumes a phone forwards each SMS as it lands; an old export uploaded at once makes its
timeless messages look as new as the upload, which is why checkBalance shows `time_from`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit

from mpesa_gateway.answers import PersonalBalance, SmsRefusal, SmsTransaction
from mpesa_gateway.daraja.formats import nairobi_now
from mpesa_gateway.errors import NotFound, NotProcessable
from mpesa_gateway.ledger import sms_transaction_id
from mpesa_gateway.models import (
    PaymentApp,
    SettledBy,
    SmsDetails,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from mpesa_gateway.observability import metrics
from mpesa_gateway.personal.models import ExtractRequest
from mpesa_gateway.sms import CURRENCY, NotATransaction, ParsedSms, parse_sms
from mpesa_gateway.store.transactions import TransactionStore

# How long a forwarded SMS may take to reach the gateway: a timed balance from within this margin before
# a timeless message's arrival may be the newer one, so it is trusted over it.
TIMELESS_SLACK: Final = timedelta(minutes=10)


class PersonalService:
    def __init__(self, transactions: TransactionStore) -> None:
        self._transactions = transactions

    def extract(
        self, app: PaymentApp, request: ExtractRequest
    ) -> SmsTransaction | list[SmsTransaction | SmsRefusal]:
        """One message: its transaction, or 422. A batch: one entry per message, each with its own error.

        The few shapes that print no time (Fuliza notices, short reversals) take the time they arrived.
        """
        arrived = nairobi_now()
        if request.message is not None:
            try:
                return self._record(app, parse_sms(request.message), arrived)
            except NotATransaction as error:
                raise NotProcessable(
                    f"Not a completed M-Pesa transaction: {error.reason}", field="message"
                ) from None
        results: list[SmsTransaction | SmsRefusal] = []
        for index, text in enumerate(request.messages or []):
            try:
                results.append(self._record(app, parse_sms(text), arrived))
            except NotATransaction as error:
                results.append(
                    SmsRefusal(index=index, error={"code": NotProcessable.code, "message": error.reason})
                )
        return results

    def latest_balance(self, app: PaymentApp) -> PersonalBalance:
        balance = self._transactions.latest_balance(app.app_id)
        if balance is None:
            raise NotFound("No SMS with a balance has been recorded for this app yet", field="balance")
        return PersonalBalance(**balance, currency=CURRENCY)

    def _record(self, app: PaymentApp, parsed: ParsedSms, arrived: datetime) -> SmsTransaction:
        timed = parsed.transaction_time is not None
        if not timed:
            parsed = replace(parsed, transaction_time=arrived)
        details = parsed.to_dict()
        created = self._transactions.create(_transaction(app, parsed, details))
        if created:
            metrics.add_metric(name="SmsTransactionRecorded", unit=MetricUnit.Count, value=1)
            if parsed.balance is not None and parsed.balance_account is not None:
                self._transactions.record_balance(
                    app.app_id,
                    details["balance"],
                    parsed.transaction_time,
                    parsed.transaction_id,
                    account=parsed.balance_account,
                    timed=timed,
                    ranked_at=parsed.transaction_time if timed else arrived - TIMELESS_SLACK,
                )
        return SmsTransaction(**details, already_recorded=not created)


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
        settled_by=SettledBy.SMS,
        sms=SmsDetails.model_validate(details),
        created_at=now,
        updated_at=now,
    )
