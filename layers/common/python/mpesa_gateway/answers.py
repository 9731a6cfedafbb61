"""What the API answers: one model per answer shape, the contract docs/openapi.json is generated from.

Every route's resolver checks its answer against these before it leaves (see api.GatewayResolver), so
a field added to an answer without its model here is caught by the tests, and alarmed on in production.
Fields in Daraja's spelling are Daraja's own values, passed through; the rest are the gateway's.
The webhook routes' answers are in webhook_answers.py, so the payment functions do not load the
webhook modules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from mpesa_gateway.models import SmsDetails, TransactionStatus, TransactionView


class Answer(BaseModel):
    """An answer's fields are exactly these: nothing undocumented leaves the gateway. A function answers
    with one or two of these models, so each is built on its first use, not at every cold start."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


def omitted(description: str | None = None) -> Any:
    """A field left out of the answer when it has no value, as Daraja's answers leave theirs out."""
    return Field(default=None, exclude_if=lambda value: value is None, description=description)


TRANSACTION_ID = Field(description="The gateway's id for this request; use it to ask for its status")
UNKNOWN_OUTCOME = (
    "Without Daraja's answer: what the gateway knows (for 202, the request may still be carried out and "
    "must not be resent)"
)


class TransactionPage(Answer):
    data: list[TransactionView]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class PaymentRequestAnswer(Answer):
    """requestPayment: Daraja's acceptance of the push, or (202, or a replay) what the gateway knows."""

    transaction_id: str = TRANSACTION_ID
    MerchantRequestID: str | None = omitted()
    CheckoutRequestID: str | None = omitted("Daraja's id of the push (ws_CO_…)")
    ResponseCode: str | None = omitted()
    ResponseDescription: str
    CustomerMessage: str | None = omitted()
    status: TransactionStatus | None = omitted(UNKNOWN_OUTCOME)


class AsyncRequestAnswer(Answer):
    """sendMoney, reverseTransaction, getTransactionStatus, checkBalance: Daraja's acceptance of the
    request (its result comes later, to the gateway), or (202, or a replay) what the gateway knows."""

    transaction_id: str = TRANSACTION_ID
    ConversationID: str | None = omitted()
    OriginatorConversationID: str | None = omitted()
    ResponseCode: str | None = omitted()
    ResponseDescription: str
    status: TransactionStatus | None = omitted(UNKNOWN_OUTCOME)


class PaymentStatusAnswer(Answer):
    """checkPaymentRequestStatus: the seed's Daraja-style fields and the gateway's own."""

    ResponseCode: str
    ResponseDescription: str
    MerchantRequestID: str | None
    CheckoutRequestID: str | None
    ResultCode: str | None = Field(description="Daraja's result: 0 paid, 1032 cancelled, 1037 unreachable, …")
    ResultDesc: str | None
    transaction_id: str
    status: TransactionStatus
    amount: int
    phone_number: str
    reference: str
    currency: str | None = omitted("MpesaTz and MpesaCongo apps: the payment's currency")
    exact_amount: str | None = omitted("MpesaTz and MpesaCongo apps: the amount with its decimals")
    receipt_number: str | None
    transaction_date: datetime | None
    settled_by: str | None = Field(description="How the status was learnt: callback, query, request, expiry…")
    error: str | None = Field(description="Why the outcome was uncertain, if it was")
    conflict: str | None = Field(description="Evidence that contradicted the status, if any")


class DarajaAcknowledgement(Answer):
    """registerUrls and simulateTransaction: Daraja's synchronous answer."""

    ConversationID: str
    OriginatorConversationID: str
    ResponseDescription: str


class CallbackAck(Answer):
    """What Daraja expects back from a callback, a confirmation or a validation request."""

    ResultCode: int | str = Field(description="0 accepted; a C2B validation refusal is C2B00011-C2B00016")
    ResultDesc: str
    ThirdPartyTransID: str | None = omitted()


# Every callback's acknowledgement once its body is stored (Daraja does not resend on a refusal).
ACCEPTED = CallbackAck(ResultCode=0, ResultDesc="Accepted")


class SmsTransaction(Answer, SmsDetails):
    """One transaction read from an M-Pesa confirmation SMS; amounts are exact two-place strings."""

    already_recorded: bool = Field(description="True when this receipt was recorded before")


class SmsRefusal(Answer):
    """A message of a batch that is not a completed transaction, and why."""

    index: int
    error: dict[str, str]


class AccountBalance(Answer):
    """One account's newest balance, and where its time came from."""

    account: str = Field(description="mpesa (the wallet), or the business account the SMS named")
    balance: str = Field(description="Exact, two places")
    as_of: datetime
    source: str = Field(description="The receipt of the SMS that gave it")
    time_from: str = Field(description="message (its own time) or arrival (it printed none)")


class PersonalBalance(AccountBalance):
    """checkBalance on an MpesaKePersonal app: the wallet's balance (else the newest), and every account's."""

    accounts: list[AccountBalance]
    currency: str


class TokenAnswer(Answer):
    """An OAuth 2.0 client-credentials token (the seed's `success` and `token` too)."""

    success: bool
    token: str
    access_token: str
    token_type: str
    expires_in: int
