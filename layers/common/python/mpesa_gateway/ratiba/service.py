"""standingOrders: ask a customer to approve a standing order; its callback settles the request.

Creating one moves no money (deductions follow on its dates), but it is tracked like any request Daraja
answers later: PENDING with the gateway's id, matched to its callback by Daraja's responseRefID, never
resent when the answer is lost, expired by the reconciler when no callback ever comes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from mpesa_gateway.answers import ACCEPTED, CallbackAck
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.callbacks import (
    CallbackKind,
    CallbackOutcome,
    RawCallback,
    applied_safely,
    callback_url,
    reapplied,
    received,
)
from mpesa_gateway.config import Settings
from mpesa_gateway.daraja.errors import DarajaError, DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.daraja.formats import nairobi_now
from mpesa_gateway.daraja.payloads import PartyIdentifier
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.express.outcomes import status_for
from mpesa_gateway.ledger import new_transaction_id
from mpesa_gateway.models import (
    LipaCommand,
    PaymentApp,
    SettledBy,
    StandingOrderDetails,
    Transaction,
    TransactionType,
)
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.ratiba.models import (
    ACCEPTED_CODE,
    PATH,
    StandingOrderAccepted,
    StandingOrderAnswer,
    StandingOrderBody,
    StandingOrderCallback,
    StandingOrderRequest,
    StandingOrderType,
)
from mpesa_gateway.settling import settle_by_evidence
from mpesa_gateway.store.transactions import Settlement, TransactionStore
from mpesa_gateway.tracked import earlier_attempt, fail_unsent, kept_pending, outcome_unknown

CALLBACK_ROUTE = "callback/standingOrder"


class StandingOrderStarted(BaseModel):
    transaction: Transaction
    accepted: StandingOrderAccepted | None  # None: Daraja's answer never came, or a retry found it
    recorded: bool = True  # False: accepted, but its responseRefID could not be stored

    @property
    def http_status(self) -> int:
        if self.accepted is None:
            return 200 if self.transaction.status.is_final else 202
        return 200 if self.recorded else 202

    def data(self) -> StandingOrderAnswer:
        if self.accepted is None:
            return StandingOrderAnswer(**outcome_unknown(self.transaction, "its callback"))
        header = self.accepted.ResponseHeader
        return StandingOrderAnswer(
            transaction_id=self.transaction.transaction_id,
            responseRefID=header.responseRefID,
            ResponseCode=header.responseCode,
            ResponseDescription=header.responseDescription,
        )


def check_dates_and_amount(request: StandingOrderRequest, max_amount: int) -> None:
    """What a schema cannot say: the dates against today (Nairobi) and each other, the amount's ceiling."""
    today = nairobi_now().date()
    if request.start_date < today:
        raise InvalidRequest(f"start_date is in the past (today is {today} in Nairobi)", field="start_date")
    if request.end_date <= request.start_date:
        raise InvalidRequest("end_date must be after start_date", field="end_date")
    if request.amount > max_amount:
        raise InvalidRequest(f"amount is above the maximum of {max_amount}", field="amount")


class RatibaService:
    def __init__(self, apps: AppDirectory, transactions: TransactionStore, settings: Settings) -> None:
        self._apps = apps
        self._transactions = transactions
        self._settings = settings

    def create(
        self, app: PaymentApp, request: StandingOrderRequest, base_url: str, scope: str | None = None
    ) -> StandingOrderStarted:
        check_dates_and_amount(request, self._settings.max_transaction_amount)
        credentials = self._apps.credentials(app)
        till = app.stk_transaction_type is LipaCommand.BUY_GOODS
        body = StandingOrderBody(
            StandingOrderName=request.name,
            StartDate=request.start_date.strftime("%Y%m%d"),
            EndDate=request.end_date.strftime("%Y%m%d"),
            BusinessShortCode=(app.till_number or app.short_code) if till else app.short_code,
            TransactionType=StandingOrderType.BUY_GOODS if till else StandingOrderType.PAYBILL,
            ReceiverPartyIdentifierType=PartyIdentifier.TILL if till else PartyIdentifier.SHORT_CODE,
            Amount=str(request.amount),
            PartyA=request.phone_number,
            CallBackURL=callback_url(base_url, app, credentials, CALLBACK_ROUTE),
            AccountReference=request.reference,
            TransactionDesc=request.description,
            Frequency=str(request.frequency.value),
        )
        now = datetime.now(UTC)
        transaction = Transaction(
            transaction_id=new_transaction_id(scope),
            app_id=app.app_id,
            merchant_id=app.merchant_id,
            type=TransactionType.STANDING_ORDER,
            amount=request.amount,
            phone_number=request.phone_number,
            reference=request.reference,
            description=request.description,
            standing_order=StandingOrderDetails(
                name=request.name,
                start_date=request.start_date,
                end_date=request.end_date,
                frequency=request.frequency.value,
            ),
            check_after=now + timedelta(seconds=self._settings.reconcile_after_seconds),
            callback_base_url=base_url,
            created_at=now,
            updated_at=now,
        )
        transaction_id = transaction.transaction_id
        if not self._transactions.create(transaction):
            return StandingOrderStarted(
                transaction=earlier_attempt(self._transactions, transaction), accepted=None
            )
        try:
            answer = self._apps.daraja(app, credentials).post(PATH, body)
            accepted = StandingOrderAccepted.model_validate(answer)
        except (DarajaOutcomeUnknown, ValidationError) as error:
            # The customer may have the prompt: its callback settles it, or the reconciler expires it.
            return StandingOrderStarted(
                transaction=kept_pending(self._transactions, transaction, error), accepted=None
            )
        except (DarajaError, DarajaNotSent) as error:
            fail_unsent(self._transactions, transaction_id, error, "standing order")
        header = accepted.ResponseHeader
        if header.responseCode != ACCEPTED_CODE:
            # Daraja answered but did not take it (its header's code: 401 unauthorised, 500 failure).
            refusal = DarajaError(400, header.responseCode, header.responseDescription or "not accepted")
            fail_unsent(self._transactions, transaction_id, refusal, "standing order")
        try:
            self._transactions.record_conversation(transaction_id, header.responseRefID)
        except Exception:
            logger.exception("accepted request not fully recorded", extra={"transaction_id": transaction_id})
            metrics.add_metric(name="AcceptedRequestNotRecorded", unit=MetricUnit.Count, value=1)
            return StandingOrderStarted(transaction=transaction, accepted=accepted, recorded=False)
        stored = transaction.model_copy(update={"conversation_id": header.responseRefID})
        return StandingOrderStarted(transaction=stored, accepted=accepted)

    def handle_callback(self, app: PaymentApp, raw_body: str | None) -> CallbackAck:
        """Stores the callback as it came, then settles the standing order it names."""
        callback, parsed = received(
            self._transactions, app, CallbackKind.STANDING_ORDER, raw_body, StandingOrderCallback,
            key=lambda parsed: parsed.key, what="a Ratiba callback",
        )  # fmt: skip
        applied_safely(lambda: self._apply(app, callback, parsed), app.app_id)
        return ACCEPTED

    def reapply(self, callback: RawCallback) -> None:
        """A stored callback whose handling never finished (the reconciler calls this)."""
        reapplied(
            self._apps, self._transactions, callback, StandingOrderCallback,
            lambda app, parsed: self._apply(app, callback, parsed),
        )  # fmt: skip

    def _apply(self, app: PaymentApp, callback: RawCallback, parsed: StandingOrderCallback) -> None:
        transaction = self._match(app, parsed)
        outcome = CallbackOutcome.UNMATCHED
        if transaction is not None:
            _, outcome = settle_by_evidence(
                self._transactions, transaction.transaction_id, settlement(parsed)
            )
        self._transactions.mark_callback(
            callback, outcome, transaction.transaction_id if transaction else None
        )

    def _match(self, app: PaymentApp, parsed: StandingOrderCallback) -> Transaction | None:
        header = parsed.responseheader
        for ref in dict.fromkeys(filter(None, (header.responserefid, header.requestrefid))):
            found = self._transactions.find_by_conversation(ref)
            if (
                found is not None
                and found.app_id == app.app_id
                and found.type is TransactionType.STANDING_ORDER
            ):
                return found
        logger.warning("standing order callback for an unknown request", extra={"app_id": app.app_id})
        return None


def settlement(callback: StandingOrderCallback) -> Settlement:
    """A callback's code as a status: 0 created, 1032 declined, 1037 unreachable, others failed
    (1050 a standing order of that name exists, 1051 bad request, 2001 wrong PIN)."""
    code = callback.result_code
    status = status_for(code if isinstance(code, int) else -1)
    receipt = str(callback.data.get("TransactionID") or "")
    return Settlement(
        status=status,
        result_code=code,
        result_desc=callback.responseheader.responsedescription or status.value,
        settled_by=SettledBy.STANDING_ORDER_CALLBACK,
        # A failed callback's TransactionID is a placeholder of zeros, never a receipt.
        receipt_number=receipt if code == 0 and receipt.strip("0") else None,
        result_parameters={name: value for name, value in callback.data.items() if value is not None} or None,
    )
