"""Requests Daraja answers later (B2C, B2B, reversal, status, balance): tracked as transactions.

Each starts PENDING with the gateway's id as OriginatorConversationID, is matched to its Result by that
id or by Daraja's ConversationID, and is settled by the result or timeout callback.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, ValidationError

from mpesa_gateway.answers import AsyncRequestAnswer
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.callbacks import callback_url
from mpesa_gateway.config import Settings
from mpesa_gateway.daraja.errors import DarajaError, DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.daraja.payloads import ResultBody, ResultUrls
from mpesa_gateway.daraja.security import security_credential
from mpesa_gateway.errors import (
    DarajaRejected,
    DarajaRejectedContent,
    DarajaUnavailable,
    IdempotencyConflict,
    InvalidRequest,
)
from mpesa_gateway.ledger import new_transaction_id
from mpesa_gateway.models import (
    DarajaCredentials,
    PaymentApp,
    SettledBy,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.store.transactions import Settlement, TransactionStore


class AsyncAccepted(BaseModel):
    """Daraja's synchronous answer to every asynchronous API."""

    model_config = ConfigDict(extra="ignore")

    ConversationID: str
    OriginatorConversationID: str
    ResponseCode: str
    ResponseDescription: str


class Tracked(BaseModel):
    transaction: Transaction
    accepted: AsyncAccepted | None  # None: the answer never came (or an earlier attempt's is replayed)
    recorded: bool = True  # False: Daraja accepted but its identifiers could not be stored

    @property
    def http_status(self) -> int:
        if self.accepted is None:  # no answer from Daraja: final only when a retry finds it settled
            return 200 if self.transaction.status.is_final else 202
        return 200 if self.recorded else 202

    def data(self) -> AsyncRequestAnswer:
        if self.accepted is None:
            return AsyncRequestAnswer(**outcome_unknown(self.transaction, "its result or timeout"))
        return AsyncRequestAnswer(
            **self.accepted.model_dump(), transaction_id=self.transaction.transaction_id
        )


def outcome_unknown(transaction: Transaction, settles_it: str) -> dict[str, Any]:
    """The answer's fields without Daraja's own (it never came, or a retry finds an earlier attempt)."""
    if transaction.status.is_final:
        description = f"This request was made before and ended {transaction.status.value}."
    else:
        description = (
            "Daraja's answer to this request was not received; it may still be carried out. "
            f"It stays PENDING until {settles_it} arrives or a status query settles it; do not resend it."
        )
    return {
        "transaction_id": transaction.transaction_id,
        "status": transaction.status.value,
        "ResponseDescription": description,
    }


def kept_pending(transactions: TransactionStore, transaction: Transaction, error: Exception) -> Transaction:
    """Daraja may have acted on a request whose answer never came: it stays PENDING, never resent.
    The note is best effort: failing to write it must not turn this answer into a 5xx."""
    note = f"outcome unknown: {error}"[:500]
    logger.warning("Daraja request outcome unknown", extra={"transaction_id": transaction.transaction_id})
    try:
        transactions.note_error(transaction.transaction_id, note)
    except Exception:
        logger.exception(
            "outcome-unknown note not stored", extra={"transaction_id": transaction.transaction_id}
        )
    return transaction.model_copy(update={"error": note})


def earlier_attempt(transactions: TransactionStore, requested: Transaction) -> Transaction:
    """The transaction a first attempt under the same Idempotency-Key created (and may have sent
    before it died): never sent again, answered as it now is. A different request is a conflict."""
    earlier = transactions.get(requested.transaction_id)
    same = ("type", "amount", "phone_number", "reference")
    if earlier is None or any(getattr(earlier, name) != getattr(requested, name) for name in same):
        raise IdempotencyConflict("This Idempotency-Key was already used for a different request")
    return earlier


# Builds the Daraja body from the transaction id (OriginatorConversationID) and the two callback URLs.
BodyBuilder = Callable[[str, ResultUrls], ResultBody]


def result_urls(base_url: str, app: PaymentApp, credentials: DarajaCredentials) -> ResultUrls:
    return {
        "ResultURL": callback_url(base_url, app, credentials, "callback/result"),
        "QueueTimeOutURL": callback_url(base_url, app, credentials, "callback/timeout"),
    }


def initiator(app: PaymentApp, credentials: DarajaCredentials, settings: Settings) -> tuple[str, str]:
    """The initiator name and its SecurityCredential (stored ready-made, or encrypted from the password)."""
    if not credentials.initiator_name:
        raise InvalidRequest("This payment app has no initiator name", field="initiator_name")
    if credentials.security_credential is not None:
        return credentials.initiator_name, credentials.security_credential.get_secret_value()
    if credentials.initiator_password is None:
        raise InvalidRequest(
            "This payment app has neither a security credential nor an initiator password",
            field="security_credential",
        )
    certificate = settings.daraja_live_certificate if app.is_live else settings.daraja_sandbox_certificate
    if not certificate:
        environment = "DARAJA_LIVE_CERTIFICATE" if app.is_live else "DARAJA_SANDBOX_CERTIFICATE"
        raise InvalidRequest(
            f"No Safaricom certificate is configured: set {environment}", field="certificate"
        )
    password = credentials.initiator_password.get_secret_value()
    return credentials.initiator_name, security_credential(password, certificate)


def fail_unsent(
    transactions: TransactionStore, transaction_id: str, error: DarajaError | DarajaNotSent, what: str
) -> NoReturn:
    """Daraja refused the request or never got it: nothing happened, the transaction FAILED."""
    transactions.settle(
        transaction_id,
        Settlement(
            status=TransactionStatus.FAILED,
            result_code=None,
            result_desc=str(error),
            settled_by=SettledBy.REQUEST,
        ),
    )
    if isinstance(error, DarajaNotSent):
        raise DarajaUnavailable(
            f"Daraja could not be reached; the {what} was not sent", transaction_id=transaction_id
        )
    rejection = DarajaRejectedContent if error.http_status == 400 else DarajaRejected
    raise rejection(
        f"Daraja refused the {what}: {error.error_message}",
        daraja_code=error.error_code,
        transaction_id=transaction_id,
    )


class TrackedRequests:
    def __init__(self, apps: AppDirectory, transactions: TransactionStore, settings: Settings) -> None:
        self._apps = apps
        self._transactions = transactions
        self._settings = settings

    def start(
        self,
        app: PaymentApp,
        *,
        kind: TransactionType,
        path: str,
        body: BodyBuilder,
        base_url: str,
        what: str,
        amount: int = 0,
        party: str = "",
        reference: str = "",
        description: str = "",
        related_transaction_id: str | None = None,
        transaction_id: str | None = None,
    ) -> Tracked:
        """Send a request Daraja answers later. `transaction_id` (default: a new one) is derived from
        the Idempotency-Key by callers that take one, so a retry finds its first attempt."""
        credentials = self._apps.credentials(app)
        transaction_id = transaction_id or new_transaction_id()
        request = body(
            transaction_id, result_urls(base_url, app, credentials)
        )  # may refuse: nothing written yet
        now = datetime.now(UTC)
        transaction = Transaction(
            transaction_id=transaction_id,
            app_id=app.app_id,
            merchant_id=app.merchant_id,
            type=kind,
            amount=amount,
            phone_number=party,
            reference=reference,
            description=description,
            related_transaction_id=related_transaction_id,
            check_after=now + timedelta(seconds=self._settings.reconcile_after_seconds),
            callback_base_url=base_url,
            created_at=now,
            updated_at=now,
        )
        if not self._transactions.create(transaction):
            return Tracked(transaction=earlier_attempt(self._transactions, transaction), accepted=None)
        try:
            accepted = AsyncAccepted.model_validate(self._apps.daraja(app, credentials).post(path, request))
        except (DarajaOutcomeUnknown, ValidationError) as error:
            # The result or timeout callback, or a Transaction Status query, settles it.
            return Tracked(transaction=kept_pending(self._transactions, transaction, error), accepted=None)
        except (DarajaError, DarajaNotSent) as error:
            fail_unsent(self._transactions, transaction_id, error, what)
        try:
            self._transactions.record_conversation(transaction_id, accepted.ConversationID)
        except Exception:
            # Daraja accepted: never a 5xx now. Results still match by OriginatorConversationID (our id).
            logger.exception("accepted request not fully recorded", extra={"transaction_id": transaction_id})
            metrics.add_metric(name="AcceptedRequestNotRecorded", unit=MetricUnit.Count, value=1)
            return Tracked(transaction=transaction, accepted=accepted, recorded=False)
        # Not read back: only the ConversationID changed.
        stored = transaction.model_copy(update={"conversation_id": accepted.ConversationID})
        return Tracked(transaction=stored, accepted=accepted)

    def initiator(self, app: PaymentApp) -> tuple[str, str]:
        return initiator(app, self._apps.credentials(app), self._settings)
