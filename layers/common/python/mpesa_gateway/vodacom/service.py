"""Vodacom apps (MpesaTz, MpesaCongo) on the merchant routes, with the gateway's money rules.

requestPayment: Vodacom holds its C2B single-stage call open until the customer acts, longer than API
Gateway waits. The payment is stored PENDING and queued, the merchant gets 202 and its transaction_id
at once, and a worker (run_payment) claims it, makes the call and settles it by the answer.

sendMoney and reverseTransaction: Vodacom answers at once; the request is stored and claimed before it
is sent and settled by the answer. getTransactionStatus asks queryTransactionStatus and settles what it
finds. Every request is sent at most once (the claim); one whose answer is lost stays PENDING and the
reconciler settles it with queryTransactionStatus.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from mpesa_gateway import idempotency
from mpesa_gateway.answers import AsyncRequestAnswer, PaymentRequestAnswer, PaymentStatusAnswer
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.config import Settings
from mpesa_gateway.errors import (
    InvalidRequest,
    ReversalInFlight,
    VodacomRejected,
    VodacomRejectedContent,
    VodacomUnavailable,
)
from mpesa_gateway.express.service import status_view
from mpesa_gateway.ledger import Ledger, new_transaction_id
from mpesa_gateway.models import (
    Operation,
    PaymentApp,
    SettledBy,
    Transaction,
    TransactionStatus,
    TransactionType,
    VodacomDetails,
)
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.settling import settle_by_evidence
from mpesa_gateway.store.transactions import Settlement, TransactionStore
from mpesa_gateway.tracked import earlier_attempt, kept_pending, outcome_unknown
from mpesa_gateway.vodacom import codes
from mpesa_gateway.vodacom.client import VodacomClient
from mpesa_gateway.vodacom.errors import (
    SessionNotActive,
    VodacomNotSent,
    VodacomOutcomeUnknown,
    VodacomRefused,
)
from mpesa_gateway.vodacom.markets import Market, exact_amount, market_of
from mpesa_gateway.vodacom.models import (
    VodacomB2BRequest,
    VodacomB2CRequest,
    VodacomPaymentRequest,
)
from mpesa_gateway.vodacom.payloads import (
    B2B_PAYMENT,
    B2C_PAYMENT,
    C2B_SINGLE_STAGE,
    QUERY_TRANSACTION_STATUS,
    REVERSAL,
    B2BBody,
    B2CBody,
    C2BSingleStageBody,
    ReversalBody,
    StatusQuery,
    VodacomBody,
)

# A synchronous request not yet sent this long after it was stored never will be: its handler (29 s at
# most behind API Gateway) has ended.
UNSENT_REQUEST_SECONDS = 60
# Requests whose sending moves money: never given up on while their outcome is unknown.
MONEY_TYPES = frozenset({TransactionType.B2C, TransactionType.B2B, TransactionType.REVERSAL})
_REVERSIBLE = frozenset({TransactionType.STK_PUSH, TransactionType.B2C, TransactionType.B2B})


class PaymentJobs(Protocol):
    """Where accepted payments wait for the worker (an SQS queue)."""

    def send(self, transaction_id: str) -> None: ...


# A client for an app: `long_call` for the worker's single-stage call, which waits for the customer.
ClientFactory = Callable[[PaymentApp, bool], VodacomClient]


class VodacomService:
    def __init__(
        self,
        apps: AppDirectory,
        transactions: TransactionStore,
        settings: Settings,
        jobs: PaymentJobs,
        clients: ClientFactory,
    ) -> None:
        self._apps = apps
        self._transactions = transactions
        self._ledger = Ledger(transactions)
        self._settings = settings
        self._jobs = jobs
        self._clients = clients

    # requestPayment ----------------------------------------------------------------------------

    def request_payment_once(
        self, app: PaymentApp, request: VodacomPaymentRequest, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        return idempotency.replayed_start(
            key=idempotency_key,
            app=app,
            operation=Operation.REQUEST_PAYMENT,
            request=request,
            start=lambda scope: idempotency.Answered(*self.request_payment(app, request, scope)),
        )

    def request_payment(
        self, app: PaymentApp, request: VodacomPaymentRequest, scope: str | None = None
    ) -> tuple[int, PaymentRequestAnswer]:
        """Stored PENDING and queued for the worker: 202 with the transaction id, nothing sent yet."""
        market = market_of(app)
        currency = market.currency(app, request.currency)
        transaction = self._new_transaction(
            app,
            market,
            kind=TransactionType.STK_PUSH,
            transaction_id=new_transaction_id(scope),
            amount=exact_amount(request.amount, currency),
            currency=currency,
            party=market.msisdn(request.phone_number),
            reference=request.reference,
            description=request.description,
        )
        self._apps.credentials(app).vodacom()  # refused here, before anything is stored, without them
        if not self._transactions.create(transaction):
            earlier = earlier_attempt(self._transactions, transaction)
            return (200 if earlier.status.is_final else 202), PaymentRequestAnswer(
                **outcome_unknown(earlier, "the customer's answer")
            )
        try:
            self._jobs.send(transaction.transaction_id)
        except Exception as error:
            # Not queued, so never sent: failed for sure (a job that did leave finds it settled).
            logger.exception("payment job not queued", extra={"transaction_id": transaction.transaction_id})
            self._settle(transaction.transaction_id, _not_sent(f"not queued: {error}"))
            raise VodacomUnavailable(
                "The payment could not be queued; nothing was sent: retry",
                transaction_id=transaction.transaction_id,
            ) from error
        metrics.add_metric(name="VodacomPaymentQueued", unit=MetricUnit.Count, value=1)
        return 202, PaymentRequestAnswer(
            transaction_id=transaction.transaction_id,
            status=TransactionStatus.PENDING,
            ResponseDescription=(
                "Accepted: the customer is asked to confirm on their phone. Follow it with "
                "checkPaymentRequestStatus or the payment.* webhook."
            ),
        )

    def run_payment(self, transaction_id: str) -> str:
        """The worker's job: claim the payment (a redelivered job finds it claimed and sends nothing),
        make the single-stage call, settle it by the answer. Raises VodacomNotSent (no active session,
        no connection) with the payment unclaimed, so that the job is tried again later."""
        transaction = self._transactions.get(transaction_id)
        if transaction is None or transaction.status.is_final or transaction.vodacom is None:
            return "not_pending"
        app = self._apps.by_id(transaction.app_id)
        if app is None or not app.enabled:
            if self._transactions.claim_send(transaction_id):
                self._settle(transaction_id, _not_sent("the payment app is no longer available"))
            return "app_unavailable"
        client = self._clients(app, True)
        client.ready()  # a session to send with, or SessionNotActive: nothing claimed, tried again later
        if not self._transactions.claim_send(transaction_id):
            return "already_claimed"
        market = market_of(app)
        body = C2BSingleStageBody(
            input_Amount=_exact(transaction),
            input_Country=market.country,
            input_Currency=_currency(transaction),
            input_CustomerMSISDN=transaction.phone_number,
            input_ServiceProviderCode=app.short_code,
            input_ThirdPartyConversationID=transaction_id,
            input_TransactionReference=transaction.reference,
            input_PurchasedItemsDesc=transaction.description,
        )
        outcome = self._send(client, "POST", C2B_SINGLE_STAGE, body, transaction, retry_unsent=True)
        if isinstance(outcome, Transaction):
            return outcome.status.value
        return outcome if isinstance(outcome, str) else TransactionStatus.FAILED.value

    # checkPaymentRequestStatus -------------------------------------------------------------------

    def payment_status(self, app: PaymentApp, reference: str) -> PaymentStatusAnswer:
        transaction = self._ledger.find(app.app_id, reference)
        note = None
        interval = self._settings.status_query_interval_seconds
        if (
            transaction.status is TransactionStatus.PENDING
            and transaction.vodacom is not None
            and transaction.vodacom.sent_at is not None
            and self._transactions.claim_status_query(transaction.transaction_id, interval)
        ):
            transaction, note = self.ask_vodacom(app, transaction)
        view = status_view(transaction, note)
        details = transaction.vodacom
        return view.model_copy(
            update={
                "currency": details.currency if details else None,
                "exact_amount": details.exact_amount if details else None,
            }
        )

    def ask_vodacom(self, app: PaymentApp, transaction: Transaction) -> tuple[Transaction, str | None]:
        """queryTransactionStatus about a sent request, settling it when Vodacom's status is final;
        else the transaction as it is and why it is still pending."""
        market = market_of(app)
        query = StatusQuery(
            input_QueryReference=transaction.transaction_id,  # our ThirdPartyConversationID
            input_ServiceProviderCode=app.short_code,
            input_ThirdPartyConversationID=_query_id(),
            input_Country=market.country,
        )
        try:
            answer = self._clients(app, False).call("GET", QUERY_TRANSACTION_STATUS, query)
        except (VodacomRefused, VodacomNotSent, VodacomOutcomeUnknown) as error:
            return transaction, f"status query failed: {error}"
        status = codes.queried_status(answer.output_ResponseTransactionStatus)
        if status is None:
            return transaction, f"Vodacom's status query said {answer.output_ResponseTransactionStatus}"
        by = SettledBy.QUERY if transaction.type is TransactionType.STK_PUSH else SettledBy.STATUS_QUERY
        settlement = Settlement(
            status=status,
            result_code=answer.output_ResponseCode,
            result_desc=f"queryTransactionStatus: {answer.output_ResponseTransactionStatus}",
            settled_by=by,
            receipt_number=answer.receipt if status is TransactionStatus.COMPLETED else None,
        )
        return self._apply(transaction, settlement), None

    # sendMoney -----------------------------------------------------------------------------------

    def send_money_once(
        self, app: PaymentApp, payout: VodacomB2CRequest | VodacomB2BRequest, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        return idempotency.replayed_start(
            key=idempotency_key,
            app=app,
            operation=Operation.SEND_MONEY,
            request=payout,
            start=lambda scope: idempotency.Answered(*self.send_money(app, payout, scope)),
        )

    def send_money(
        self, app: PaymentApp, payout: VodacomB2CRequest | VodacomB2BRequest, scope: str | None = None
    ) -> tuple[int, AsyncRequestAnswer]:
        market = market_of(app)
        currency = market.currency(app, payout.currency)
        amount = exact_amount(payout.amount, currency)
        transaction_id = new_transaction_id(scope)
        body: VodacomBody
        if isinstance(payout, VodacomB2BRequest):
            kind, endpoint, party = TransactionType.B2B, B2B_PAYMENT, payout.receiver_party_code
            body = B2BBody(
                input_Amount=amount,
                input_Country=market.country,
                input_Currency=currency,
                input_PrimaryPartyCode=app.short_code,
                input_ReceiverPartyCode=party,
                input_PurchasedItemsDesc=payout.description,
                input_ThirdPartyConversationID=transaction_id,
                input_TransactionReference=payout.reference,
            )
        else:
            kind, endpoint, party = TransactionType.B2C, B2C_PAYMENT, market.msisdn(payout.phone_number)
            body = B2CBody(
                input_Amount=amount,
                input_Country=market.country,
                input_Currency=currency,
                input_CustomerMSISDN=party,
                input_ServiceProviderCode=app.short_code,
                input_ThirdPartyConversationID=transaction_id,
                input_TransactionReference=payout.reference,
                input_PaymentItemsDesc=payout.description,
            )
        transaction = self._new_transaction(
            app,
            market,
            kind=kind,
            transaction_id=transaction_id,
            amount=amount,
            currency=currency,
            party=party,
            reference=payout.reference,
            description=payout.description,
        )
        return self._synchronous(
            app, transaction, method="POST", endpoint=endpoint, body=body, what="payment"
        )

    # reverseTransaction ----------------------------------------------------------------------------

    def reverse(
        self, app: PaymentApp, reference: str, scope: str | None = None
    ) -> tuple[int, AsyncRequestAnswer]:
        original = self._ledger.find(app.app_id, reference)
        if original.type not in _REVERSIBLE or original.vodacom is None:
            raise InvalidRequest(
                f"A {original.type.value} transaction cannot be reversed", field="transaction"
            )
        receipt = original.receipt_number
        if original.status is not TransactionStatus.COMPLETED or not receipt:
            raise InvalidRequest(
                f"Only a completed transaction with a receipt can be reversed ({original.status.value})",
                field="transaction",
            )
        market = market_of(app)
        reversal_id = new_transaction_id(scope)
        if not self._transactions.claim_reversal(original.transaction_id, reversal_id):
            current = self._transactions.get(original.transaction_id)
            in_flight = current.reversal_in_flight if current else None
            if in_flight != reversal_id:
                raise ReversalInFlight(
                    f"A reversal of this transaction is already on its way ({in_flight})",
                    reversal_transaction_id=in_flight,
                )
        amount = _exact(original)
        body = ReversalBody(
            input_ReversalAmount=amount,
            input_Country=market.country,
            input_ServiceProviderCode=app.short_code,
            input_ThirdPartyConversationID=reversal_id,
            input_TransactionID=receipt,
        )
        reversal = self._new_transaction(
            app,
            market,
            kind=TransactionType.REVERSAL,
            transaction_id=reversal_id,
            amount=amount,
            currency=_currency(original),
            party=original.phone_number,
            reference=original.reference,
            description=f"Reversal of {original.transaction_id}",
            related_transaction_id=original.transaction_id,
        )
        try:
            status, answer = self._synchronous(
                app, reversal, method="PUT", endpoint=REVERSAL, body=body, what="reversal"
            )
        except (VodacomRejected, VodacomUnavailable):
            self._transactions.release_reversal(original.transaction_id, reversal_id)
            raise
        if answer.status is TransactionStatus.FAILED:  # a retry found a refused first attempt
            self._transactions.release_reversal(original.transaction_id, reversal_id)
        return status, answer

    # getTransactionStatus ----------------------------------------------------------------------------

    def transaction_status(self, app: PaymentApp, reference: str) -> AsyncRequestAnswer:
        """Vodacom's queryTransactionStatus answers at once: a pending transaction it settles is settled."""
        transaction = self._ledger.find(app.app_id, reference)
        if transaction.vodacom is None or transaction.vodacom.sent_at is None:
            return AsyncRequestAnswer(
                transaction_id=transaction.transaction_id,
                status=transaction.status,
                ResponseDescription="Not sent to Vodacom: nothing to ask about",
            )
        updated, note = self.ask_vodacom(app, transaction)
        return AsyncRequestAnswer(
            transaction_id=updated.transaction_id,
            ConversationID=updated.conversation_id,
            status=updated.status,
            ResponseDescription=note or f"Vodacom says {updated.status.value}",
        )

    # Reconciler --------------------------------------------------------------------------------

    def reconcile(self, transaction: Transaction, age: timedelta) -> str:
        """What the reconciler does with a pending Vodacom request: one never sent is failed once its
        job cannot run any more; a sent one is asked about. The reconciler postpones or expires the rest."""
        details = transaction.vodacom
        if details is not None and details.sent_at is None:
            limit = (
                self._settings.stk_max_age_seconds
                if transaction.type is TransactionType.STK_PUSH
                else UNSENT_REQUEST_SECONDS
            )
            if age.total_seconds() < limit:
                return "awaiting_worker"
            if self._transactions.claim_send(transaction.transaction_id):
                self._settle(transaction.transaction_id, _not_sent("never sent: its job did not run in time"))
                return TransactionStatus.FAILED.value
            return "sent_meanwhile"
        app = self._apps.by_id(transaction.app_id)
        if app is None:
            return "app_unavailable"
        updated, _ = self.ask_vodacom(app, transaction)
        return updated.status.value

    # Shared ------------------------------------------------------------------------------------

    def _new_transaction(
        self,
        app: PaymentApp,
        market: Market,
        *,
        kind: TransactionType,
        transaction_id: str,
        amount: str,
        currency: str,
        party: str,
        reference: str,
        description: str,
        related_transaction_id: str | None = None,
    ) -> Transaction:
        now = datetime.now(UTC)
        return Transaction(
            transaction_id=transaction_id,
            app_id=app.app_id,
            merchant_id=app.merchant_id,
            type=kind,
            # Whole units here; the exact amount, with its decimals, in vodacom.exact_amount.
            amount=int(Decimal(amount)),
            phone_number=party,
            reference=reference,
            description=description,
            related_transaction_id=related_transaction_id,
            vodacom=VodacomDetails(market=market.name, currency=currency, exact_amount=amount),
            check_after=now + timedelta(seconds=self._settings.reconcile_after_seconds),
            created_at=now,
            updated_at=now,
        )

    def _synchronous(
        self,
        app: PaymentApp,
        transaction: Transaction,
        *,
        method: str,
        endpoint: str,
        body: VodacomBody,
        what: str,
    ) -> tuple[int, AsyncRequestAnswer]:
        """Store, claim, send once, settle by the answer. Refusals and unsent requests raise (after the
        transaction is FAILED); a lost answer is 202 with the transaction PENDING."""
        client = self._clients(app, False)
        if not self._transactions.create(transaction):
            earlier = earlier_attempt(self._transactions, transaction)
            status = 200 if earlier.status.is_final else 202
            return status, AsyncRequestAnswer(**outcome_unknown(earlier, "a status query"))
        try:
            client.ready()
        except VodacomNotSent as error:
            self._settle(transaction.transaction_id, _not_sent(str(error)))
            raise _unavailable(error, what, transaction.transaction_id) from None
        if not self._transactions.claim_send(transaction.transaction_id):  # the reconciler gave up on it
            current = self._transactions.get(transaction.transaction_id) or transaction
            return 200, AsyncRequestAnswer(**outcome_unknown(current, "a status query"))
        outcome = self._send(client, method, endpoint, body, transaction)
        if isinstance(outcome, Transaction):
            return 200, AsyncRequestAnswer(
                transaction_id=outcome.transaction_id,
                ConversationID=outcome.conversation_id,
                ResponseCode=str(outcome.result_code) if outcome.result_code is not None else None,
                ResponseDescription=outcome.result_desc or outcome.status.value,
                status=outcome.status,
            )
        if isinstance(outcome, VodacomRefused):
            rejection = VodacomRejectedContent if outcome.about_content else VodacomRejected
            raise rejection(
                f"Vodacom refused the {what}: {outcome.description}",
                vodacom_code=outcome.code,
                transaction_id=transaction.transaction_id,
            )
        if isinstance(outcome, VodacomNotSent):
            raise _unavailable(outcome, what, transaction.transaction_id)
        pending = self._transactions.get(transaction.transaction_id) or transaction
        return 202, AsyncRequestAnswer(**outcome_unknown(pending, "a status query"))

    def _send(
        self,
        client: VodacomClient,
        method: str,
        endpoint: str,
        body: VodacomBody,
        transaction: Transaction,
        *,
        retry_unsent: bool = False,
    ) -> Transaction | VodacomRefused | VodacomNotSent | str:
        """Send a claimed request once and settle it by the answer: the settled transaction, the refusal
        or the not-sent error (settled FAILED), or "outcome_unknown" (kept PENDING for the reconciler).
        `retry_unsent` (the worker's job): a request that provably never left gives its claim back and
        raises, for the job to be tried again, instead of failing."""
        transaction_id = transaction.transaction_id
        try:
            answer = client.call(method, endpoint, body)
        except VodacomRefused as refused:
            self._settle(
                transaction_id,
                Settlement(
                    status=refused.status,
                    result_code=refused.code,
                    result_desc=refused.description,
                    settled_by=SettledBy.REQUEST,
                ),
            )
            return refused
        except VodacomNotSent as error:
            if retry_unsent:
                self._transactions.release_send(transaction_id)
                raise
            self._settle(transaction_id, _not_sent(str(error)))
            return error
        except VodacomOutcomeUnknown as error:
            kept_pending(self._transactions, transaction, error)
            metrics.add_metric(name="VodacomOutcomeUnknown", unit=MetricUnit.Count, value=1)
            return "outcome_unknown"
        if answer.output_ConversationID:
            self._record_conversation(transaction_id, answer.output_ConversationID)
        settlement = Settlement(
            status=TransactionStatus.COMPLETED,
            result_code=answer.output_ResponseCode,
            result_desc=answer.output_ResponseDesc,
            settled_by=SettledBy.ANSWER,
            receipt_number=answer.receipt,
        )
        settled = self._apply(transaction, settlement)
        return settled.model_copy(update={"conversation_id": answer.output_ConversationID})

    def _apply(self, transaction: Transaction, settlement: Settlement) -> Transaction:
        """Settle by Vodacom's evidence (its answer, or a query's), whatever state it is already in."""
        updated, _ = settle_by_evidence(self._transactions, transaction.transaction_id, settlement)
        settled = updated or transaction
        self._close_reversal(settled)
        return settled

    def _settle(self, transaction_id: str, settlement: Settlement) -> None:
        """A request that never reached Vodacom, or that it refused: FAILED."""
        if settled := self._transactions.settle(transaction_id, settlement):
            self._close_reversal(settled)

    def _close_reversal(self, settled: Transaction) -> None:
        """A settled reversal marks its original REVERSED, or (failed) lets another reversal of it go."""
        original = settled.related_transaction_id
        if settled.type is not TransactionType.REVERSAL or original is None or not settled.status.is_final:
            return
        if settled.status is TransactionStatus.COMPLETED:
            self._transactions.mark_reversed(original, settled.transaction_id)
        else:
            self._transactions.release_reversal(original, settled.transaction_id)

    def _record_conversation(self, transaction_id: str, conversation_id: str) -> None:
        """Best effort: the transaction is found by its own id (our ThirdPartyConversationID) anyway."""
        try:
            self._transactions.record_conversation(transaction_id, conversation_id)
        except Exception:
            logger.exception("Vodacom ConversationID not recorded", extra={"transaction_id": transaction_id})


def _not_sent(why: str) -> Settlement:
    return Settlement(
        status=TransactionStatus.FAILED,
        result_code=None,
        result_desc=f"Not sent to Vodacom: {why}"[:500],
        settled_by=SettledBy.REQUEST,
    )


def _unavailable(error: VodacomNotSent, what: str, transaction_id: str) -> VodacomUnavailable:
    if isinstance(error, SessionNotActive):
        return VodacomUnavailable(f"The {what} was not sent: {error}", transaction_id=transaction_id)
    return VodacomUnavailable(
        f"Vodacom could not be reached; the {what} was not sent", transaction_id=transaction_id
    )


def _exact(transaction: Transaction) -> str:
    details = transaction.vodacom
    return details.exact_amount if details and details.exact_amount else str(transaction.amount)


def _currency(transaction: Transaction) -> str:
    details = transaction.vodacom
    if details is None or details.currency is None:
        raise InvalidRequest("This transaction has no currency recorded", field="transaction")
    return details.currency


def _query_id() -> str:
    """queryTransactionStatus's own ThirdPartyConversationID: a new one per query."""
    return f"q{uuid.uuid4().hex}"
