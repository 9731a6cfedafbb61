"""M-Pesa Express: push a payment prompt, follow it to a final status, take Safaricom's callback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from mpesa_gateway import idempotency
from mpesa_gateway.answers import ACCEPTED, CallbackAck, PaymentRequestAnswer, PaymentStatusAnswer
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.callbacks import (
    CallbackKind,
    CallbackOutcome,
    RawCallback,
    applied_safely,
    callback_url,
    reapplied,
    received,
    stored_as,
)
from mpesa_gateway.config import Settings
from mpesa_gateway.daraja.errors import (
    STK_QUERY_PENDING_CODE,
    DarajaError,
    DarajaNotSent,
    DarajaOutcomeUnknown,
)
from mpesa_gateway.daraja.formats import daraja_timestamp, stk_password
from mpesa_gateway.daraja.payloads import StkPushBody, StkQueryBody
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.express import outcomes
from mpesa_gateway.express.models import (
    PaymentRequest,
    StkCallback,
    StkCallbackEnvelope,
    StkPushAccepted,
    StkQueryAnswer,
)
from mpesa_gateway.ledger import Ledger, new_transaction_id
from mpesa_gateway.models import (
    DarajaCredentials,
    Operation,
    PaymentApp,
    StkPushIds,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.settling import settle_by_evidence
from mpesa_gateway.store.transactions import IdentifierTaken, PushFacts, Settlement, TransactionStore
from mpesa_gateway.tracked import earlier_attempt, fail_unsent, kept_pending, outcome_unknown

STK_PUSH_PATH = "/mpesa/stkpush/v1/processrequest"
STK_QUERY_PATH = "/mpesa/stkpushquery/v1/query"


class PaymentRequested(BaseModel):
    """The outcome of requestPayment. `accepted` is Daraja's answer; `recorded` says whether it reached
    storage; without an answer (or on a replay of an attempt that died) the transaction speaks for itself."""

    transaction: Transaction
    accepted: StkPushAccepted | None
    recorded: bool = True

    @property
    def http_status(self) -> int:
        if self.accepted is None:  # no answer from Daraja: final only when a retry finds it settled
            return 200 if self.transaction.status.is_final else 202
        return 200 if self.recorded else 202

    def data(self) -> PaymentRequestAnswer:
        if self.accepted is None:
            return PaymentRequestAnswer(**outcome_unknown(self.transaction, "its callback"))
        return PaymentRequestAnswer(
            **self.accepted.model_dump(), transaction_id=self.transaction.transaction_id
        )


def status_view(transaction: Transaction, query_note: str | None = None) -> PaymentStatusAnswer:
    """checkPaymentRequestStatus's answer: the seed's Daraja fields plus the gateway's own."""
    pending = transaction.status is TransactionStatus.PENDING
    return PaymentStatusAnswer(
        ResponseCode="0",
        ResponseDescription="The service request has been accepted successfully",
        MerchantRequestID=transaction.stk.merchant_request_id if transaction.stk else None,
        CheckoutRequestID=transaction.checkout_request_id,
        ResultCode=None if transaction.result_code is None else str(transaction.result_code),
        ResultDesc=(query_note or "The transaction is being processed")
        if pending
        else transaction.result_desc,
        transaction_id=transaction.transaction_id,
        status=transaction.status,
        amount=transaction.amount,
        phone_number=transaction.phone_number,
        reference=transaction.reference,
        receipt_number=transaction.receipt_number,
        transaction_date=transaction.transaction_date,
        settled_by=transaction.settled_by,
        error=transaction.error,
        conflict=transaction.conflict,
    )


class ExpressService:
    def __init__(self, apps: AppDirectory, transactions: TransactionStore, settings: Settings) -> None:
        self._apps = apps
        self._transactions = transactions
        self._ledger = Ledger(transactions)
        self._settings = settings

    # requestPayment -------------------------------------------------------------------------------

    def request_payment(
        self,
        app: PaymentApp,
        request: PaymentRequest,
        base_url: str,
        idempotency_scope: str | None = None,
    ) -> PaymentRequested:
        if request.amount > self._settings.max_transaction_amount:
            raise InvalidRequest(
                f"amount must be at most {self._settings.max_transaction_amount}", field="amount"
            )
        credentials = self._apps.credentials(app)
        payload = _push_payload(
            app, credentials, request, callback_url(base_url, app, credentials, "callback")
        )
        transaction = self._new_transaction(app, request, new_transaction_id(idempotency_scope), base_url)
        if not self._transactions.create(transaction):
            return PaymentRequested(
                transaction=earlier_attempt(self._transactions, transaction), accepted=None
            )
        daraja = self._apps.daraja(app, credentials)
        try:
            answer = StkPushAccepted.model_validate(daraja.post(STK_PUSH_PATH, payload))
        except (DarajaOutcomeUnknown, ValidationError) as error:
            # It may have reached the customer: its callback (matched by phone and amount) settles it.
            return PaymentRequested(
                transaction=kept_pending(self._transactions, transaction, error), accepted=None
            )
        except (DarajaError, DarajaNotSent) as error:
            fail_unsent(self._transactions, transaction.transaction_id, error, "payment request")
        metrics.add_metric(name="StkPushAccepted", unit=MetricUnit.Count, value=1)
        return self._record_accepted(app, transaction, answer)

    def _record_accepted(
        self, app: PaymentApp, transaction: Transaction, answer: StkPushAccepted
    ) -> PaymentRequested:
        """Daraja accepted: from here on the merchant gets the transaction id, never a 5xx."""
        try:
            callback_came_first = self._transactions.record_push_accepted(
                transaction, answer.MerchantRequestID, answer.CheckoutRequestID
            )
        except Exception:
            logger.exception(
                "accepted push not recorded in full",
                extra={"transaction_id": transaction.transaction_id, "checkout": answer.CheckoutRequestID},
            )
            metrics.add_metric(name="AcceptedPushNotRecorded", unit=MetricUnit.Count, value=1)
            self._keep_checkout_id(transaction.transaction_id, answer.CheckoutRequestID)
            return PaymentRequested(transaction=transaction, accepted=answer, recorded=False)
        recorded = _with_push_ids(transaction, answer.MerchantRequestID, answer.CheckoutRequestID)
        if callback_came_first:
            recorded = self._apply_early_callbacks(app, recorded)
        return PaymentRequested(transaction=recorded, accepted=answer)

    def _keep_checkout_id(self, transaction_id: str, checkout_request_id: str) -> None:
        """Best effort, so the reconciler can still ask Daraja about it; its callback may still match."""
        try:
            self._transactions.record_checkout_only(transaction_id, checkout_request_id)
        except Exception:
            logger.exception("CheckoutRequestID not kept", extra={"transaction_id": transaction_id})

    def _new_transaction(
        self, app: PaymentApp, request: PaymentRequest, transaction_id: str, base_url: str
    ) -> Transaction:
        now = datetime.now(UTC)
        return Transaction(
            transaction_id=transaction_id,
            check_after=now + timedelta(seconds=self._settings.reconcile_after_seconds),
            callback_base_url=base_url,
            app_id=app.app_id,
            merchant_id=app.merchant_id,
            type=TransactionType.STK_PUSH,
            amount=request.amount,
            phone_number=request.phone_number,
            reference=request.reference,
            description=request.description,
            created_at=now,
            updated_at=now,
        )

    def request_payment_once(
        self, app: PaymentApp, request: PaymentRequest, base_url: str, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        """The push's HTTP status and data; a repeated Idempotency-Key replays the first answer."""

        return idempotency.replayed_start(
            key=idempotency_key,
            app=app,
            operation=Operation.REQUEST_PAYMENT,
            request=request,
            start=lambda scope: self.request_payment(app, request, base_url, scope),
        )

    # checkPaymentRequestStatus ------------------------------------------------------------------

    def payment_status(self, app: PaymentApp, reference: str) -> PaymentStatusAnswer:
        transaction = self._ledger.find(app.app_id, reference)
        if transaction.status is not TransactionStatus.PENDING or not transaction.checkout_request_id:
            return status_view(transaction)
        interval = self._settings.status_query_interval_seconds
        if not self._transactions.claim_status_query(transaction.transaction_id, interval):
            return status_view(
                transaction, f"The transaction is being processed (asked Daraja < {interval} s ago)"
            )
        return status_view(*self.ask_daraja(app, transaction))

    def ask_daraja(self, app: PaymentApp, transaction: Transaction) -> tuple[Transaction, str | None]:
        """STK Query, settling the transaction if the customer has acted; else why it is still pending."""
        if transaction.checkout_request_id is None:
            return transaction, "Daraja's CheckoutRequestID is unknown: only the callback can settle it"
        credentials = self._apps.credentials(app)
        timestamp = daraja_timestamp()
        query = StkQueryBody(
            BusinessShortCode=app.short_code,
            Password=stk_password(app.short_code, _passkey(credentials), timestamp),
            Timestamp=timestamp,
            CheckoutRequestID=transaction.checkout_request_id,
        )
        try:
            answer = StkQueryAnswer.model_validate(
                self._apps.daraja(app, credentials).post(STK_QUERY_PATH, query)
            )
        except DarajaError as error:
            pending = error.error_code == STK_QUERY_PENDING_CODE
            return transaction, error.error_message if pending else f"status query refused: {error}"
        except (DarajaNotSent, DarajaOutcomeUnknown, ValidationError) as error:
            return transaction, f"status query failed: {error}"
        settlement = outcomes.from_query(answer.ResultCode, answer.ResultDesc)
        if settlement is None:
            # A code not known to be final: the customer may still pay; a callback or later query settles it.
            return transaction, f"Daraja's status query said {answer.ResultCode}: {answer.ResultDesc}"
        settled = self._transactions.settle(transaction.transaction_id, settlement)
        return settled or self._transactions.get(transaction.transaction_id) or transaction, None

    # STK callback --------------------------------------------------------------------------------

    def handle_callback(self, app: PaymentApp, raw_body: str | None) -> CallbackAck:
        """Store the callback as received, then settle its transaction; always acknowledged once stored."""
        callback, envelope = received(
            self._transactions, app, CallbackKind.STK, raw_body, StkCallbackEnvelope,
            key=lambda envelope: envelope.Body.stkCallback.CheckoutRequestID, what="an STK callback",
        )  # fmt: skip
        stk = envelope.Body.stkCallback
        metrics.add_metric(name="StkCallbackReceived", unit=MetricUnit.Count, value=1)
        applied_safely(lambda: self._apply_callback(app, callback, stk), app.app_id)
        return ACCEPTED

    def reapply(self, callback: RawCallback) -> None:
        reapplied(
            self._apps, self._transactions, callback, StkCallbackEnvelope,
            lambda app, envelope: self._apply_callback(app, callback, envelope.Body.stkCallback),
        )  # fmt: skip

    def _apply_callback(self, app: PaymentApp, callback: RawCallback, stk: StkCallback) -> Transaction | None:
        push = self._find_push(app, stk)
        if push is None:
            self._transactions.mark_callback(callback, CallbackOutcome.UNMATCHED, None)
            logger.warning("STK callback for an unknown CheckoutRequestID", extra={"app_id": app.app_id})
            return None
        settlement = outcomes.from_callback(stk)
        if doubt := _doubt(push, settlement):
            # Not provably what this gateway asked for: kept pending for a status query to confirm.
            self._transactions.mark_callback(callback, doubt, push.transaction_id)
            self._transactions.note_error(push.transaction_id, f"callback not trusted: {doubt}")
            metrics.add_metric(name="StkCallbackDoubted", unit=MetricUnit.Count, value=1)
            return None
        updated, outcome = settle_by_evidence(self._transactions, push.transaction_id, settlement)
        self._transactions.mark_callback(callback, outcome, push.transaction_id)
        return updated

    def _find_push(self, app: PaymentApp, stk: StkCallback) -> PushFacts | None:
        """This app's push the callback is about: by its CheckoutRequestID, else (the push's answer lost)
        by phone and amount. Found by neither, its answer may still be on its way: the callback leaves
        the alias awaited, so that recording the answer applies it (or, recorded meanwhile, reads it)."""
        push = self._transactions.find_push(stk.CheckoutRequestID)
        if push is None or push.app_id != app.app_id:
            # Another app's push is out of reach: only this app's own pushes can be matched.
            push = self._match_orphan(app, stk)
        if push is None and not self._transactions.await_push(stk.CheckoutRequestID):
            push = self._transactions.find_push(stk.CheckoutRequestID)
        return push if push is not None and push.app_id == app.app_id else None

    def _apply_early_callbacks(self, app: PaymentApp, transaction: Transaction) -> Transaction:
        """A callback that beat our own write of the CheckoutRequestID was stored unmatched (it left the
        alias awaited): apply it now. Only this app's callbacks count: another app's URL can never settle
        this app's push."""
        checkout_request_id = transaction.checkout_request_id or ""
        try:
            for callback in self._transactions.callbacks_for(app.app_id, checkout_request_id):
                envelope = stored_as(callback.body, StkCallbackEnvelope)
                if callback.outcome in {CallbackOutcome.RECEIVED, CallbackOutcome.UNMATCHED} and envelope:
                    transaction = (
                        self._apply_callback(app, callback, envelope.Body.stkCallback) or transaction
                    )
        except Exception:
            # The push is recorded; the reconciler applies what is still unapplied.
            logger.exception(
                "early callbacks not applied", extra={"transaction_id": transaction.transaction_id}
            )
        return transaction

    def _match_orphan(self, app: PaymentApp, stk: StkCallback) -> PushFacts | None:
        """A push whose answer was lost has no CheckoutRequestID; a paid callback can still be matched
        to it by phone and amount, when exactly one such pending push is recent enough."""
        settlement = outcomes.from_callback(stk)
        if not settlement.paid_amount or not settlement.paid_phone_number:
            return None
        since = datetime.now(UTC) - timedelta(seconds=self._settings.orphan_match_window_seconds)
        candidates = [
            orphan
            for orphan in self._transactions.find_orphans(app.app_id, since)
            if orphan.phone_number == settlement.paid_phone_number
            and outcomes.money(orphan.amount) == settlement.paid_amount
        ]
        if len(candidates) != 1:
            return None
        try:
            self._transactions.record_push_accepted(
                candidates[0], stk.MerchantRequestID, stk.CheckoutRequestID
            )
        except IdentifierTaken:
            return None
        return PushFacts.of(candidates[0])


def _with_push_ids(
    transaction: Transaction, merchant_request_id: str, checkout_request_id: str
) -> Transaction:
    """The transaction as record_push_accepted left it (not read back: only the ids changed)."""
    ids = StkPushIds(merchant_request_id=merchant_request_id, checkout_request_id=checkout_request_id)
    return transaction.model_copy(update={"stk": ids})


def _doubt(push: PushFacts, settlement: Settlement) -> CallbackOutcome | None:
    """Why a callback cannot settle this push as it says, if it cannot."""
    if settlement.status is not TransactionStatus.COMPLETED:
        return None
    if settlement.paid_amount is None:
        return CallbackOutcome.SUCCESS_WITHOUT_METADATA
    if settlement.paid_amount != outcomes.money(push.amount):
        return CallbackOutcome.AMOUNT_MISMATCH
    if settlement.paid_phone_number and settlement.paid_phone_number != push.phone_number:
        return CallbackOutcome.PHONE_MISMATCH
    return None


def _passkey(credentials: DarajaCredentials) -> str:
    if credentials.passkey is None:
        raise InvalidRequest("This payment app has no Lipa Na M-Pesa passkey configured", field="passkey")
    return credentials.passkey.get_secret_value()


def _push_payload(
    app: PaymentApp, credentials: DarajaCredentials, request: PaymentRequest, callback: str
) -> StkPushBody:
    timestamp = daraja_timestamp()
    return StkPushBody(
        BusinessShortCode=app.short_code,
        Password=stk_password(app.short_code, _passkey(credentials), timestamp),
        Timestamp=timestamp,
        TransactionType=app.stk_transaction_type,
        Amount=request.amount,
        PartyA=request.phone_number,
        PartyB=app.till_number or app.short_code,
        PhoneNumber=request.phone_number,
        CallBackURL=callback,
        AccountReference=request.reference,
        TransactionDesc=request.description,
    )
