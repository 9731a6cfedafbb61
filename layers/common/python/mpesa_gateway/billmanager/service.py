"""Bill Manager: opt the app's paybill in, send and cancel invoices, record their payments.

Sending an invoice moves no money and Daraja answers it at once, so it is not a tracked request: the
invoice is stored first under its external reference (which makes a retry find it instead of sending
it twice), forgotten again when Daraja refuses it, and kept with a note when Daraja's answer is lost.
A batch is the same for each of its invoices, all stored before the one bulk call and all forgotten
when any of them names another invoice's reference or Daraja refuses the call: Daraja answers the
batch as a whole, so its invoices share one fate.
A payment notification is recorded once per M-Pesa transaction id as a COMPLETED INVOICE_PAYMENT
transaction, whatever became of its invoice: money that arrived is never dropped, and what does not
fit (no such invoice, a cancelled one, a part payment, another short code) is its `conflict`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.billmanager.models import (
    BULK_INVOICE_PATH,
    CANCEL_INVOICE_PATH,
    OPT_IN_PATH,
    PAYMENT_ACK,
    SINGLE_INVOICE_PATH,
    SUCCESS_CODE,
    BulkInvoiceAnswer,
    BulkInvoiceBody,
    BulkInvoiceRequest,
    BulkInvoiceResult,
    CancelInvoiceBody,
    DarajaInvoiceAnswer,
    Invoice,
    InvoiceItemBody,
    InvoicePaymentNotice,
    InvoiceRequest,
    InvoiceStatus,
    OptInAnswer,
    OptInBody,
    OptInRequest,
    PaymentAck,
    SingleInvoiceBody,
)
from mpesa_gateway.callbacks import (
    CallbackKind,
    CallbackOutcome,
    RawCallback,
    applied_safely,
    callback_url,
    reapplied,
    received,
)
from mpesa_gateway.daraja.errors import DarajaError, DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.daraja.formats import NAIROBI
from mpesa_gateway.daraja.payloads import DarajaArray, DarajaBody
from mpesa_gateway.errors import (
    DarajaRejected,
    DarajaRejectedContent,
    DarajaTimeout,
    DarajaUnavailable,
    InvoiceConflict,
    NotFound,
)
from mpesa_gateway.express.outcomes import money
from mpesa_gateway.models import (
    InvoicePaymentDetails,
    PaymentApp,
    SettledBy,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from mpesa_gateway.observability import logger
from mpesa_gateway.store.invoices import InvoiceStore
from mpesa_gateway.store.transactions import TransactionStore

CALLBACK_ROUTE = "callback/billManager"
PAYMENT_PREFIX = "txn_bill_"
UNANSWERED_NOTE = (
    "Daraja's answer to this invoice was not received: the customer may have it. It is kept as sent; "
    "cancel it to be sure, do not send it again under another reference."
)
# The invoice fields a retry must repeat exactly to be the same invoice.
_SAME_INVOICE = (
    "billed_full_name", "billed_phone_number", "billed_period", "invoice_name", "due_date",
    "account_reference", "amount", "invoice_items",
)  # fmt: skip


class _NoAnswer(Exception):
    """Daraja's answer never came (or could not be read): it may have acted."""


class BillManagerService:
    def __init__(self, apps: AppDirectory, transactions: TransactionStore, invoices: InvoiceStore) -> None:
        self._apps = apps
        self._transactions = transactions
        self._invoices = invoices

    def opt_in(self, app: PaymentApp, request: OptInRequest, base_url: str) -> OptInAnswer:
        credentials = self._apps.credentials(app)
        body = OptInBody(
            shortcode=app.short_code,
            email=request.email,
            officialContact=_local_number(request.official_contact),
            sendReminders="1" if request.send_reminders else "0",
            logo=request.logo,
            callbackurl=callback_url(base_url, app, credentials, CALLBACK_ROUTE),
        )
        try:
            answer = self._ask(app, OPT_IN_PATH, body, "opt-in")
        except _NoAnswer:
            raise DarajaTimeout("Daraja's answer to the opt-in never came; opting in again tells") from None
        return OptInAnswer(app_key=answer.app_key, rescode=answer.rescode, resmsg=answer.resmsg)

    def send_invoice(self, app: PaymentApp, request: InvoiceRequest) -> tuple[int, Invoice]:
        """200 and the invoice when Daraja sent it (or a retry finds it sent); 202: its answer was lost."""
        invoice = _stored_form(app, request, datetime.now(UTC))
        if not self._invoices.create(invoice):
            return 200, self._same_invoice(app, invoice)
        try:
            self._ask(app, SINGLE_INVOICE_PATH, _daraja_form(invoice), "invoice")
        except (DarajaRejected, DarajaUnavailable):
            self._invoices.remove_unsent(app.app_id, invoice.external_reference)
            raise
        except _NoAnswer:
            self._invoices.note_error(app.app_id, invoice.external_reference, UNANSWERED_NOTE)
            return 202, invoice.model_copy(update={"error": UNANSWERED_NOTE})
        return 200, invoice

    def send_invoices(self, app: PaymentApp, request: BulkInvoiceRequest) -> tuple[int, BulkInvoiceAnswer]:
        """Each invoice as send_invoice would: those sent before are not sent again, the new ones go in
        one bulk call. 200 when Daraja took them (or none was new); 202: its answer was lost."""
        now = datetime.now(UTC)
        results: list[BulkInvoiceResult] = []
        new: list[Invoice] = []
        try:
            for index, requested in enumerate(request.invoices):
                invoice = _stored_form(app, requested, now)
                if self._invoices.create(invoice):
                    new.append(invoice)
                    results.append(_result(invoice, sent_now=True))
                else:
                    earlier = self._same_invoice(app, invoice, f"invoices[{index}]: ")
                    results.append(_result(earlier, sent_now=False))
        except Exception:
            self._forget(app, new)  # nothing of the batch is sent: nothing of it stays
            raise
        status = 200
        if new:
            body = BulkInvoiceBody([_daraja_form(invoice) for invoice in new])
            try:
                self._ask(app, BULK_INVOICE_PATH, body, "invoices")
            except (DarajaRejected, DarajaUnavailable):
                self._forget(app, new)
                raise
            except _NoAnswer:
                for invoice in new:
                    self._invoices.note_error(app.app_id, invoice.external_reference, UNANSWERED_NOTE)
                results = [
                    result.model_copy(update={"error": UNANSWERED_NOTE}) if result.sent_now else result
                    for result in results
                ]
                status = 202
        return status, BulkInvoiceAnswer(invoices=results)

    def invoice(self, app: PaymentApp, reference: str) -> Invoice:
        found = self._invoices.get(app.app_id, reference)
        if found is None:
            raise NotFound(f"No invoice '{reference}' for this app")
        return found

    def cancel(self, app: PaymentApp, reference: str) -> Invoice:
        """Recalls a sent invoice; cancelling a cancelled one again answers it as it is."""
        found = self.invoice(app, reference)
        if found.status is InvoiceStatus.CANCELLED:
            return found
        if found.status is InvoiceStatus.PAID:
            raise InvoiceConflict(f"Invoice '{reference}' is paid; it cannot be cancelled")
        try:
            self._ask(
                app, CANCEL_INVOICE_PATH, CancelInvoiceBody(externalReference=reference), "cancellation"
            )
        except _NoAnswer:
            raise DarajaTimeout(
                "Daraja's answer to the cancellation never came; cancelling again tells"
            ) from None
        cancelled = self._invoices.move(app.app_id, reference, InvoiceStatus.SENT, InvoiceStatus.CANCELLED)
        # None: its payment was recorded meanwhile; the invoice is answered as it now is.
        return cancelled or self.invoice(app, reference)

    def handle_payment(self, app: PaymentApp, raw_body: str | None) -> PaymentAck:
        """Stores the notification as it came, then records the payment against its invoice."""
        callback, notice = received(
            self._transactions, app, CallbackKind.INVOICE_PAYMENT, raw_body, InvoicePaymentNotice,
            key=lambda notice: notice.transactionId, what="a Bill Manager payment notification",
        )  # fmt: skip
        applied_safely(lambda: self._record(app, callback, notice), app.app_id)
        return PAYMENT_ACK

    def reapply(self, callback: RawCallback) -> None:
        """A stored notification whose recording never finished (the reconciler calls this)."""
        reapplied(
            self._apps, self._transactions, callback, InvoicePaymentNotice,
            lambda app, notice: self._record(app, callback, notice),
        )  # fmt: skip

    def _record(self, app: PaymentApp, callback: RawCallback, notice: InvoicePaymentNotice) -> None:
        """The invoice is marked paid first, naming the payment, then the payment is stored: each step
        is conditional and recognises its own earlier effect, so a re-application completes the rest."""
        transaction_id = f"{PAYMENT_PREFIX}{notice.transactionId}"
        invoice, problem = self._invoice_paid(app, notice, transaction_id)
        if invoice is not None and problem is None and invoice.status is InvoiceStatus.SENT:
            reference = invoice.external_reference
            paid = self._invoices.move(
                app.app_id, reference, InvoiceStatus.SENT, InvoiceStatus.PAID, transaction_id
            )
            current = paid or self._invoices.get(app.app_id, reference)
            if current is None or current.paid_by != transaction_id:  # cancelled or paid meanwhile
                problem = f"invoice {reference} was no longer open when this payment came"
        now = datetime.now(UTC)
        payment = Transaction(
            transaction_id=transaction_id,
            app_id=app.app_id,
            merchant_id=app.merchant_id,
            type=TransactionType.INVOICE_PAYMENT,
            status=TransactionStatus.COMPLETED,
            amount=notice.paidAmount,
            phone_number=notice.msisdn,
            reference=notice.accountReference,
            description=invoice.invoice_name if invoice else "Invoice payment",
            result_code=0,
            result_desc="Paid",
            receipt_number=notice.transactionId,
            paid_amount=money(notice.paidAmount),
            paid_phone_number=notice.msisdn or None,
            transaction_date=_payment_date(notice.dateCreated),
            settled_by=SettledBy.INVOICE_PAYMENT,
            invoice=InvoicePaymentDetails(
                external_reference=invoice.external_reference if invoice else None,
                short_code=str(notice.shortCode),
            ),
            conflict=problem,
            created_at=now,
            updated_at=now,
        )
        if not self._transactions.create(payment):
            outcome = CallbackOutcome.DUPLICATE
        else:
            outcome = CallbackOutcome.RECORDED if problem is None else CallbackOutcome.CONFLICT
        self._transactions.mark_callback(callback, outcome, transaction_id)

    def _invoice_paid(
        self, app: PaymentApp, notice: InvoicePaymentNotice, transaction_id: str
    ) -> tuple[Invoice | None, str | None]:
        """The invoice this payment pays (the one it already paid, else the oldest open one of its
        account) and what does not fit."""
        if str(notice.shortCode) != app.short_code:
            return None, f"paid to short code {notice.shortCode}, not this app's {app.short_code}"
        invoices = self._invoices.for_account(app.app_id, notice.accountReference)
        if paid_by_it := [invoice for invoice in invoices if invoice.paid_by == transaction_id]:
            return paid_by_it[0], None
        open_invoices = [invoice for invoice in invoices if invoice.status is InvoiceStatus.SENT]
        if open_invoices:
            invoice = open_invoices[0]
            if notice.paidAmount < invoice.amount:
                return invoice, (
                    f"part payment: {notice.paidAmount} of invoice {invoice.external_reference}'s "
                    f"{invoice.amount}; the invoice stays sent"
                )
            return invoice, None
        if invoices:
            last = invoices[-1]
            return last, f"invoice {last.external_reference} is {last.status.value}; it cannot be paid"
        logger.warning("payment for an unknown invoice", extra={"app_id": app.app_id})
        return None, f"no invoice has account reference {notice.accountReference}"

    def _same_invoice(self, app: PaymentApp, requested: Invoice, where: str = "") -> Invoice:
        earlier = self.invoice(app, requested.external_reference)
        if any(getattr(earlier, name) != getattr(requested, name) for name in _SAME_INVOICE):
            raise InvoiceConflict(
                f"{where}Invoice '{requested.external_reference}' exists with other details; "
                "cancel it or use a new reference"
            )
        return earlier

    def _forget(self, app: PaymentApp, invoices: list[Invoice]) -> None:
        for invoice in invoices:
            self._invoices.remove_unsent(app.app_id, invoice.external_reference)

    def _ask(
        self, app: PaymentApp, path: str, body: DarajaBody | DarajaArray[Any], what: str
    ) -> DarajaInvoiceAnswer:
        """Daraja's answer when it did what was asked; its refusal as the gateway's error."""
        try:
            answer = DarajaInvoiceAnswer.model_validate(
                self._apps.daraja(app, self._apps.credentials(app)).post(path, body)
            )
        except (DarajaOutcomeUnknown, ValidationError) as error:
            logger.warning(
                "Bill Manager answer not received", extra={"app_id": app.app_id, "error": str(error)}
            )
            raise _NoAnswer from error
        except DarajaNotSent:
            raise DarajaUnavailable(f"Daraja could not be reached; the {what} was not sent") from None
        except DarajaError as error:
            rejection = DarajaRejectedContent if error.http_status == 400 else DarajaRejected
            raise rejection(
                f"Daraja refused the {what}: {error.error_message}", daraja_code=error.error_code
            ) from None
        if answer.rescode != SUCCESS_CODE:
            message = answer.Status_Message or answer.resmsg or "not accepted"
            raise DarajaRejected(f"Daraja refused the {what}: {message}", daraja_code=answer.rescode)
        return answer


def _stored_form(app: PaymentApp, request: InvoiceRequest, now: datetime) -> Invoice:
    return Invoice(app_id=app.app_id, **request.model_dump(), created_at=now, updated_at=now)


def _daraja_form(invoice: Invoice) -> SingleInvoiceBody:
    return SingleInvoiceBody(
        externalReference=invoice.external_reference,
        billedFullName=invoice.billed_full_name,
        billedPhoneNumber=_local_number(invoice.billed_phone_number),
        billedPeriod=invoice.billed_period,
        invoiceName=invoice.invoice_name,
        dueDate=invoice.due_date.isoformat(),
        accountReference=invoice.account_reference,
        amount=invoice.amount,
        invoiceItems=[
            InvoiceItemBody(itemName=item.item_name, amount=item.amount) for item in invoice.invoice_items
        ],
    )


def _result(invoice: Invoice, *, sent_now: bool) -> BulkInvoiceResult:
    return BulkInvoiceResult(
        external_reference=invoice.external_reference,
        status=invoice.status,
        sent_now=sent_now,
        error=invoice.error,
    )


def _local_number(msisdn: str) -> str:
    """2547XXXXXXXX as 07XXXXXXXX, the form Safaricom's Bill Manager samples use."""
    return f"0{msisdn[3:]}" if msisdn.startswith("254") else msisdn


def _payment_date(value: str) -> datetime | None:
    """dateCreated: "2021-10-01" in Safaricom's sample (Nairobi), perhaps with a time."""
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=NAIROBI)
        except ValueError:
            continue
    return None
