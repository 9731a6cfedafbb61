"""C2B: register URLs, simulate (sandbox), answer validation requests, record confirmations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict

from mpesa_gateway.answers import ACCEPTED, CallbackAck, DarajaAcknowledgement
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.c2b.models import C2BPayment, SimulateRequest
from mpesa_gateway.c2b.validation import Decision, Forwarder, decide, payment_problem
from mpesa_gateway.callbacks import (
    CallbackKind,
    CallbackOutcome,
    RawCallback,
    applied_safely,
    callback_url,
    reapplied,
    received,
)
from mpesa_gateway.daraja.errors import DarajaError
from mpesa_gateway.daraja.payloads import C2BSimulateBody, DarajaBody, RegisterUrlBody
from mpesa_gateway.errors import (
    GatewayError,
    InvalidRequest,
    OperationNotAllowed,
    UrlsAlreadyRegistered,
)
from mpesa_gateway.ledger import c2b_transaction_id
from mpesa_gateway.models import (
    C2BPaymentDetails,
    DarajaCredentials,
    LipaCommand,
    PaymentApp,
    SettledBy,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.store.transactions import TransactionStore
from mpesa_gateway.synchronous import answered, refused

C2BCall = Literal["register", "simulate"]
DARAJA_PATHS: dict[C2BCall, str] = {
    "register": "/mpesa/c2b/{version}/registerurl",
    "simulate": "/mpesa/c2b/{version}/simulate",
}
# Daraja refuses callback URLs containing these words (longest first, so the message names "exec").
FORBIDDEN_URL_WORDS = ("safaricom", "m-pesa", "mpesa", "query", "exec", "exe", "cmd", "sql")


class PullOutcome(StrEnum):
    """What became of one payment Pull Transactions listed."""

    RECORDED = "recorded"  # the gateway never saw it: now a transaction
    ALREADY_KNOWN = "already_known"  # its confirmation (or an earlier pull) recorded it
    NOT_RECORDED = "not_recorded"  # not this app's money (short code, amount): left out, like a confirmation


class DarajaAnswer(BaseModel):
    """Register and simulate answer alike; Safaricom spells the originator field this way here."""

    model_config = ConfigDict(extra="ignore")

    OriginatorCoversationID: str
    ResponseCode: str
    ResponseDescription: str
    ConversationID: str = ""

    def acknowledgement(self) -> DarajaAcknowledgement:
        return DarajaAcknowledgement(
            ConversationID=self.ConversationID,
            OriginatorConversationID=self.OriginatorCoversationID,
            ResponseDescription=self.ResponseDescription,
        )


def forbidden_word(url: str) -> str | None:
    lowered = url.lower()
    return next((word for word in FORBIDDEN_URL_WORDS if word in lowered), None)


class C2BService:
    def __init__(
        self, apps: AppDirectory, transactions: TransactionStore, forward: Forwarder, max_amount: int
    ) -> None:
        self._apps = apps
        self._transactions = transactions
        self._forward = forward
        self._max_amount = max_amount  # M-Pesa's per-transaction maximum

    # Merchant operations --------------------------------------------------------------------------

    def register_urls(self, app: PaymentApp, base_url: str) -> DarajaAcknowledgement:
        """Register the gateway's validation and confirmation URLs for the app's short code."""
        if word := forbidden_word(base_url):
            raise InvalidRequest(
                f"Daraja refuses callback URLs containing '{word}', which this API's base URL {base_url} "
                "contains: serve the API on a custom domain and set PUBLIC_BASE_URL to it",
                field="PUBLIC_BASE_URL",
            )
        credentials = self._apps.credentials(app)
        body = RegisterUrlBody(
            ShortCode=app.short_code,
            ResponseType=app.c2b_response_type,
            ValidationURL=callback_url(base_url, app, credentials, "validateTransaction"),
            ConfirmationURL=callback_url(base_url, app, credentials, "callback/confirmation"),
        )
        return self._call_daraja(app, credentials, "register", body, "the URLs were not registered")

    def simulate(self, app: PaymentApp, request: SimulateRequest) -> DarajaAcknowledgement:
        """Ask the sandbox to play a customer paying the app's short code."""
        if app.is_live:
            raise OperationNotAllowed("simulateTransaction works on sandbox apps only", field="is_live")
        paybill = app.c2b_command is LipaCommand.PAYBILL
        body = C2BSimulateBody(
            ShortCode=app.short_code,
            CommandID=app.c2b_command,
            Amount=request.amount,
            Msisdn=request.phone_number,
            BillRefNumber=request.reference if paybill else None,  # tills take no account number
        )
        credentials = self._apps.credentials(app)
        return self._call_daraja(app, credentials, "simulate", body, "no payment was simulated")

    def _call_daraja(
        self,
        app: PaymentApp,
        credentials: DarajaCredentials,
        action: C2BCall,
        body: DarajaBody,
        undone: str,
    ) -> DarajaAcknowledgement:
        path = DARAJA_PATHS[action].format(version=app.c2b_api_version.value)
        client = self._apps.daraja(app, credentials)
        # Registering and simulating move no money: Daraja's server error JSON is its refusal.
        answer = answered(
            lambda: client.post(path, body), DarajaAnswer, action=action, undone=undone, refusal=_refusal
        )
        return answer.acknowledgement()

    # Safaricom's calls ----------------------------------------------------------------------------

    def validate(self, app: PaymentApp, raw_body: str | None) -> CallbackAck:
        """Answer a validation request by the app's rules; every request is stored with its decision."""
        callback, payment = received(
            self._transactions, app, CallbackKind.C2B_VALIDATION, raw_body, C2BPayment,
            key=lambda payment: payment.TransID, what="a C2B validation request",
        )  # fmt: skip
        decision: Decision = decide(app, payment, self._forward, self._max_amount)
        self._transactions.mark_callback(callback, decision.summary(), None)
        metrics.add_metric(
            name="C2BValidationAccepted" if decision.accepted else "C2BValidationRejected",
            unit=MetricUnit.Count,
            value=1,
        )
        return decision.answer()

    def confirm(self, app: PaymentApp, raw_body: str | None) -> CallbackAck:
        """Record a confirmed payment once per TransID; the raw body is stored before anything else."""
        callback, payment = received(
            self._transactions, app, CallbackKind.C2B_CONFIRMATION, raw_body, C2BPayment,
            key=lambda payment: payment.TransID, what="a C2B confirmation",
        )  # fmt: skip
        applied_safely(lambda: self._record(app, callback, payment), app.app_id)
        return ACCEPTED

    def reapply(self, callback: RawCallback) -> None:
        reapplied(
            self._apps, self._transactions, callback, C2BPayment,
            lambda app, payment: self._record(app, callback, payment),
        )  # fmt: skip

    def _record(self, app: PaymentApp, callback: RawCallback, payment: C2BPayment) -> None:
        """A confirmed payment, once per app and TransID; refused (and kept) when it is not this app's."""
        if (refusal := payment_problem(app, payment, self._max_amount)) is not None:
            # Acknowledged all the same: Safaricom never resends, and the stored body stays for operators.
            self._transactions.mark_callback(callback, refusal.outcome, None)
            metrics.add_metric(name="C2BConfirmationNotRecorded", unit=MetricUnit.Count, value=1)
            logger.warning(
                "C2B confirmation not recorded",
                extra={"app_id": app.app_id, "outcome": refusal.outcome, "reason": refusal.reason},
            )
            return
        validation = self._validation_of(app.app_id, payment.TransID)
        transaction = _transaction(app, payment, validation, SettledBy.CONFIRMATION)
        created = self._transactions.create(transaction)
        self._transactions.mark_callback(
            callback,
            CallbackOutcome.RECORDED if created else CallbackOutcome.DUPLICATE,
            transaction.transaction_id,
        )
        if created:
            metrics.add_metric(name="C2BPaymentRecorded", unit=MetricUnit.Count, value=1)
        else:
            logger.info("duplicate C2B confirmation", extra={"transaction_id": transaction.transaction_id})

    def record_pulled(self, app: PaymentApp, payment: C2BPayment) -> PullOutcome:
        """A payment Pull Transactions listed, recorded as its confirmation would have been: the same
        transaction id (from TransID), so a late confirmation and a second pull find it already there."""
        if (refusal := payment_problem(app, payment, self._max_amount)) is not None:
            logger.warning(
                "pulled C2B payment not recorded",
                extra={"app_id": app.app_id, "outcome": refusal.outcome, "reason": refusal.reason},
            )
            return PullOutcome.NOT_RECORDED
        validation = self._validation_of(app.app_id, payment.TransID)
        if not self._transactions.create(_transaction(app, payment, validation, SettledBy.PULL)):
            return PullOutcome.ALREADY_KNOWN
        metrics.add_metric(name="C2BPaymentPulled", unit=MetricUnit.Count, value=1)
        return PullOutcome.RECORDED

    def _validation_of(self, app_id: str, trans_id: str) -> str | None:
        decisions = [
            c.outcome
            for c in self._transactions.callbacks_for(app_id, trans_id)
            if c.kind is CallbackKind.C2B_VALIDATION
        ]
        return decisions[-1] if decisions else None


def _transaction(
    app: PaymentApp, payment: C2BPayment, validation: str | None, settled_by: SettledBy
) -> Transaction:
    now = datetime.now(UTC)
    # payment_problem checked it: positive, whole cents. `amount` is the whole shillings the model holds;
    # paid_amount is exact (100.50 stays 100.50), and is what reversals and reports must read.
    amount = Decimal(payment.TransAmount)
    return Transaction(
        transaction_id=c2b_transaction_id(app.app_id, payment.TransID),
        app_id=app.app_id,
        merchant_id=app.merchant_id,
        type=TransactionType.C2B,
        status=TransactionStatus.COMPLETED,
        amount=int(amount),
        paid_amount=f"{amount:.2f}",
        phone_number=payment.MSISDN,
        paid_phone_number=payment.MSISDN,
        reference=payment.BillRefNumber,
        description=payment.TransactionType,
        receipt_number=payment.TransID,
        transaction_date=payment.paid_at,
        c2b=C2BPaymentDetails(
            payer_name=payment.payer_name or None,
            org_account_balance=payment.OrgAccountBalance or None,
            third_party_trans_id=payment.ThirdPartyTransID or None,
            validation=validation or "no validation request",
        ),
        settled_by=settled_by,
        created_at=now,
        updated_at=now,
    )


def _refusal(error: DarajaError, action: str) -> GatewayError:
    if "already registered" in error.error_message.lower():
        return UrlsAlreadyRegistered(
            "Daraja already has URLs registered for this short code (production allows one registration; "
            "ask Safaricom to delete them to change them)",
            daraja_code=error.error_code,
        )
    return refused(error, action)
