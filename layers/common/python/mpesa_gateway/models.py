"""Domain models shared by every product: payment apps, their Daraja credentials, transactions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from mpesa_gateway.c2b.patterns import check_pattern
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.phone import normalise_msisdn

# Documented with an example: the accepted spellings (07…, +254…, separators) are more than a pattern says.
Msisdn = Annotated[str, BeforeValidator(normalise_msisdn), Field(examples=["254712345678"])]


def whole_number(value: Any) -> Any:
    # JSON true would otherwise pass as 1; "100" from form-minded clients is accepted.
    if isinstance(value, bool):
        raise ValueError("must be a whole number of shillings")
    return value


# An identifier Daraja gives (CheckoutRequestID, ConversationID, ...): short in practice; bounded so a
# forged one can never exceed what a DynamoDB key holds.
DarajaId = Annotated[str, StringConstraints(max_length=128)]

# Whole Kenyan shillings, as Daraja takes them. The bound goes before the validator: after it, pydantic
# documents it as `ge`, which JSON Schema does not know, instead of `minimum`.
Amount = Annotated[int, Field(ge=1), BeforeValidator(whole_number)]


class Driver(StrEnum):
    EXPRESS = "MpesaKeExpress"
    C2B = "MpesaKeC2B"
    B2C = "MpesaKeB2C"
    B2B = "MpesaKeB2B"
    PERSONAL = "MpesaKePersonal"
    # Vodacom's M-Pesa OpenAPI (mpesa_gateway.vodacom): Tanzania and the DRC.
    TANZANIA = "MpesaTz"
    CONGO = "MpesaCongo"


# Apps of these drivers call Vodacom's OpenAPI, not Daraja.
VODACOM_DRIVERS = frozenset({Driver.TANZANIA, Driver.CONGO})
DARAJA_DRIVERS = frozenset(Driver) - VODACOM_DRIVERS - {Driver.PERSONAL}


class Operation(StrEnum):
    REQUEST_PAYMENT = "requestPayment"
    PAYMENT_STATUS = "checkPaymentRequestStatus"
    REGISTER_URLS = "registerUrls"
    SIMULATE_TRANSACTION = "simulateTransaction"
    LIST_TRANSACTIONS = "transactions"
    EXTRACT_TRANSACTION = "extractTransaction"
    CHECK_BALANCE = "checkBalance"
    SEND_MONEY = "sendMoney"
    REVERSE_TRANSACTION = "reverseTransaction"
    TRANSACTION_STATUS = "getTransactionStatus"
    WEBHOOKS = "webhook"
    PULL_TRANSACTIONS = "pullTransactions"
    TOP_UP_B2C_ACCOUNT = "topUpB2cAccount"
    REMIT_TAX = "remitTax"
    GENERATE_QR_CODE = "generateQrCode"
    SIM_SWAP = "simSwap"
    STANDING_ORDERS = "standingOrders"
    BILL_MANAGER = "billManager"


# Which drivers may run which operation (the seed's "Available for" lines).
ALLOWED_DRIVERS: dict[Operation, frozenset[Driver]] = {
    # Vodacom's customer push is its C2B single stage: answered later by a worker (vodacom.service).
    Operation.REQUEST_PAYMENT: frozenset({Driver.EXPRESS}) | VODACOM_DRIVERS,
    Operation.PAYMENT_STATUS: frozenset({Driver.EXPRESS}) | VODACOM_DRIVERS,
    Operation.REGISTER_URLS: frozenset({Driver.C2B}),
    Operation.SIMULATE_TRANSACTION: frozenset({Driver.C2B}),
    Operation.LIST_TRANSACTIONS: frozenset(Driver),
    Operation.EXTRACT_TRANSACTION: frozenset({Driver.PERSONAL}),
    # Personal reads its SMS; the others ask Daraja, which needs the app's initiator credentials. The
    # seed lists MpesaTz and MpesaCongo too, but Vodacom's OpenAPI has no balance query: their apps get
    # a 400 that says so (vodacom.service.no_balance_query), not the generic driver refusal.
    Operation.CHECK_BALANCE: frozenset(Driver),
    # Vodacom apps send B2C or B2B by the body's shape (vodacom.models.VodacomPayout).
    Operation.SEND_MONEY: frozenset({Driver.B2C, Driver.B2B}) | VODACOM_DRIVERS,
    Operation.REVERSE_TRANSACTION: frozenset({Driver.EXPRESS, Driver.C2B, Driver.B2C, Driver.B2B})
    | VODACOM_DRIVERS,
    Operation.TRANSACTION_STATUS: frozenset(Driver) - {Driver.PERSONAL},
    # The endpoint, its events and their redelivery.
    Operation.WEBHOOKS: frozenset(Driver),
    # Pull Transactions lists a short code's C2B payments of the last 48 hours.
    Operation.PULL_TRANSACTIONS: frozenset({Driver.C2B}),
    # Both are B2B-family payments out of the business's working account (see payouts.service).
    Operation.TOP_UP_B2C_ACCOUNT: frozenset({Driver.B2B}),
    Operation.REMIT_TAX: frozenset({Driver.B2B}),
    # A QR code pays the app's own paybill or till by default: apps whose short code takes payments.
    Operation.GENERATE_QR_CODE: frozenset({Driver.EXPRESS, Driver.C2B}),
    # Asked with the app's consumer credentials (Daraja's Swap product needs no short code): every app
    # that has them, e.g. a B2C app checking a number before paying it; Personal apps have none.
    Operation.SIM_SWAP: DARAJA_DRIVERS,
    # Ratiba: like STK, the business asks and the customer approves on their phone, paying the app's
    # paybill or till; Express apps hold that short code (and till) and take customer payments.
    Operation.STANDING_ORDERS: frozenset({Driver.EXPRESS}),
    # Bill Manager: invoices are paid into a paybill against their account reference; C2B apps own it.
    Operation.BILL_MANAGER: frozenset({Driver.C2B}),
}


class LipaCommand(StrEnum):
    """Paybill or Buy Goods: STK Push's TransactionType and C2B's CommandID take these values."""

    PAYBILL = "CustomerPayBillOnline"
    BUY_GOODS = "CustomerBuyGoodsOnline"


class C2BResponseType(StrEnum):
    """What M-Pesa does with a payment when the validation URL does not answer in time."""

    COMPLETED = "Completed"
    CANCELLED = "Cancelled"


class C2BApiVersion(StrEnum):
    V1 = "v1"
    V2 = "v2"


class C2BValidationRules(BaseModel):
    """How the gateway answers Daraja's validation request for a C2B app; no rules accepts all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # A regular expression the whole account number (BillRefNumber) must match.
    account_pattern: str | None = Field(default=None, max_length=200)
    # Exact account numbers accepted (compared case-insensitively).
    allowed_accounts: tuple[str, ...] | None = None
    min_amount: int | None = Field(default=None, ge=1)
    max_amount: int | None = Field(default=None, ge=1)
    # The merchant's own validation endpoint, asked after the rules above pass.
    forward_url: str | None = None
    # Daraja waits about 8 s for the answer; the merchant gets part of that.
    forward_timeout_ms: int = Field(default=3000, ge=100, le=6000)
    # The decision when the merchant's endpoint does not answer in time (or answers garbage).
    accept_when_unanswered: bool = True

    @field_validator("account_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        # Matched by RE2 (linear time): a pattern it cannot run is refused here, not at payment time.
        return None if pattern is None else check_pattern(pattern)

    @model_validator(mode="after")
    def _amounts_ordered(self) -> C2BValidationRules:
        if self.min_amount and self.max_amount and self.min_amount > self.max_amount:
            raise ValueError("min_amount is above max_amount")
        return self


class PaymentApp(BaseModel):
    """A payment app as stored in the registry; its Daraja credentials live in Secrets Manager."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    merchant_id: str
    driver: Driver
    short_code: str
    is_live: bool = False
    stk_transaction_type: LipaCommand = LipaCommand.PAYBILL
    # PartyB for Buy Goods: the till number, which differs from the store number (the short code).
    till_number: str | None = None
    c2b_response_type: C2BResponseType = C2BResponseType.COMPLETED
    c2b_api_version: C2BApiVersion = C2BApiVersion.V2
    # Paybill or Buy Goods (till): the CommandID of simulated C2B payments.
    c2b_command: LipaCommand = LipaCommand.PAYBILL
    c2b_validation: C2BValidationRules = Field(default_factory=C2BValidationRules)
    # Vodacom apps (short_code is their service provider code): the currency they are paid in by
    # default; their market follows from the driver (vodacom.markets).
    currency: str | None = None
    # sha256 of the callback secret: callbacks are checked without a Secrets Manager call.
    callback_secret_sha256: str
    enabled: bool = True

    def allows(self, operation: Operation) -> bool:
        return self.driver in ALLOWED_DRIVERS[operation]


class DarajaCredentials(BaseModel):
    """One app's secret, as kept in Secrets Manager (JSON): Daraja's credentials, or Vodacom's API key
    and the portal's public key for MpesaTz and MpesaCongo apps."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # Optional: MpesaKePersonal apps call no Daraja API, so they have no consumer credentials.
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    passkey: SecretStr | None = None
    initiator_name: str | None = None
    security_credential: SecretStr | None = None
    # B2C/B2B may keep the initiator password instead of a ready-made security credential.
    initiator_password: SecretStr | None = None
    # Vodacom's OpenAPI: the app's API key, and the portal's RSA public key (base64 DER, or PEM).
    api_key: SecretStr | None = None
    public_key: str | None = None
    callback_secret: SecretStr

    def vodacom(self) -> tuple[str, str]:
        """The API key and public key Vodacom's getSession takes; refused when either is missing."""
        if self.api_key is None or not self.public_key:
            raise InvalidRequest("This payment app has no Vodacom API key and public key", field="api_key")
        return self.api_key.get_secret_value(), self.public_key

    def consumer(self) -> tuple[str, str]:
        """The consumer key and secret Daraja's OAuth takes; a Personal (or half-provisioned) app has none."""
        if self.consumer_key is None or self.consumer_secret is None:
            raise InvalidRequest("This payment app has no Daraja consumer credentials", field="consumer_key")
        return self.consumer_key, self.consumer_secret.get_secret_value()


class TransactionStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"  # STK: the customer was unreachable or did not answer the prompt
    EXPIRED = "EXPIRED"  # STK: no outcome learnt within the maximum age; the gateway gave up on it
    REVERSED = "REVERSED"  # completed, then undone by a reversal

    @property
    def is_final(self) -> bool:
        return self is not TransactionStatus.PENDING


class TransactionType(StrEnum):
    STK_PUSH = "STK_PUSH"
    C2B = "C2B"
    SMS = "SMS"  # read from an M-Pesa confirmation SMS (MpesaKePersonal)
    B2C = "B2C"
    B2B = "B2B"
    # Requests about other transactions or the account, tracked until Daraja's result arrives.
    REVERSAL = "REVERSAL"
    STATUS_QUERY = "STATUS_QUERY"
    BALANCE_QUERY = "BALANCE_QUERY"
    B2POCHI = "B2POCHI"  # a B2C app paying a customer's Pochi la Biashara
    B2C_TOPUP = "B2C_TOPUP"  # a B2B app loading a B2C short code's utility account
    TAX_REMITTANCE = "TAX_REMITTANCE"  # a B2B app paying KRA against a PRN
    STANDING_ORDER = "STANDING_ORDER"  # a Ratiba standing order's creation, approved by the customer
    INVOICE_PAYMENT = "INVOICE_PAYMENT"  # a Bill Manager invoice's payment, as Safaricom reported it


class SettledBy(StrEnum):
    """How a transaction's final status was learnt (stored as the value)."""

    CALLBACK = "callback"  # the STK callback
    QUERY = "query"  # STK Query's answer
    REQUEST = "request"  # Daraja refused the request, or never got it
    CONFIRMATION = "confirmation"  # a C2B confirmation
    RESULT = "result"  # an asynchronous request's own Result
    STATUS_QUERY = "status_query"  # a Transaction Status result about it
    EXPIRY = "expiry"  # nothing learnt within the maximum age: the gateway gave up
    SMS = "sms"  # an M-Pesa confirmation SMS
    ANSWER = "answer"  # the provider's own answer to the request (Vodacom answers synchronously)
    PULL = "pull"  # a C2B payment listed by Pull Transactions whose confirmation never came
    STANDING_ORDER_CALLBACK = "standing_order_callback"  # Ratiba's callback
    INVOICE_PAYMENT = "invoice_payment"  # Bill Manager's payment notification


class StkPushIds(BaseModel):
    """M-Pesa Express: Daraja's ids of the push; callbacks and STK Query name the CheckoutRequestID."""

    merchant_request_id: str | None = None
    checkout_request_id: str | None = None


class VodacomDetails(BaseModel):
    """Vodacom's OpenAPI (MpesaTz, MpesaCongo): the market, the exact amount in its currency (the
    transaction's `amount` holds its whole units), and when the request left for Vodacom: set once, by
    the one caller that may send it (never twice)."""

    market: str | None = None
    currency: str | None = None
    exact_amount: str | None = Field(default=None, description="As sent, e.g. 12.50")
    sent_at: datetime | None = None


class C2BPaymentDetails(BaseModel):
    """C2B: who paid, the business's balance after it, and what validation decided."""

    payer_name: str | None = None
    org_account_balance: str | None = None
    third_party_trans_id: str | None = None
    validation: str | None = None


class SmsDetails(BaseModel):
    """Everything an M-Pesa confirmation SMS said; amounts are exact two-place strings."""

    transaction_id: str = Field(description="The M-Pesa receipt")
    type: str
    amount: str = Field(description="Exact, two places")
    currency: str
    payer_name: str
    payer_account: str
    payee_name: str
    payee_account: str
    account_number: str
    transaction_time: datetime | None
    balance: str | None
    balance_account: str | None
    transaction_cost: str | None
    reversed_transaction_id: str | None
    status: str


class DarajaAccountBalance(BaseModel):
    """One account of an Account Balance result, amounts as Daraja wrote them."""

    account: str
    currency: str
    current_balance: str | None = None
    available_balance: str | None = None
    reserved: str | None = None
    uncleared: str | None = None


class BalanceDetails(BaseModel):
    """An Account Balance result: every account Daraja listed, the working account first."""

    accounts: list[DarajaAccountBalance]


class StandingOrderDetails(BaseModel):
    """Ratiba: the standing order the customer was asked to approve."""

    name: str
    start_date: date
    end_date: date
    frequency: int = Field(
        description="1 one-off, 2 daily, 3 weekly, 4 monthly, 5 bi-monthly, 6 quarterly, "
        "7 half-yearly, 8 yearly"
    )


class InvoicePaymentDetails(BaseModel):
    """Bill Manager: the invoice a payment was for, when the gateway knows it."""

    external_reference: str | None = None
    short_code: str


class TransactionView(BaseModel):
    """A transaction as merchants see it: everything the gateway tracks but the merchant who owns it.
    Fields every type may carry are at the top; each product's own fields are in its sub-model."""

    transaction_id: str
    app_id: str
    type: TransactionType
    status: TransactionStatus = TransactionStatus.PENDING
    amount: int
    phone_number: str
    reference: str
    description: str
    created_at: datetime
    updated_at: datetime
    # Asynchronous APIs: Daraja's ConversationID (the OriginatorConversationID is transaction_id).
    conversation_id: str | None = None
    # A reversal or status query: the transaction it is about; a reversed one: its reversal.
    related_transaction_id: str | None = None
    reversed_by: str | None = None
    # The reversal on its way, if any: one at a time, released when it fails for sure.
    reversal_in_flight: str | None = None
    result_code: int | str | None = None  # Daraja also has lettered codes (R000001)
    result_desc: str | None = None
    receipt_number: str | None = None
    paid_amount: str | None = None
    paid_phone_number: str | None = None
    transaction_date: datetime | None = None
    settled_by: SettledBy | None = None
    stk: StkPushIds | None = None
    c2b: C2BPaymentDetails | None = None
    sms: SmsDetails | None = None
    vodacom: VodacomDetails | None = None
    balance: BalanceDetails | None = None
    # A payout's, reversal's or status query's ResultParameters, by Daraja's own names (they vary by API).
    result_parameters: dict[str, Any] | None = None
    standing_order: StandingOrderDetails | None = None
    invoice: InvoicePaymentDetails | None = None
    # Why a request's outcome is uncertain (e.g. a network timeout after the push was sent).
    error: str | None = Field(default=None, max_length=500)
    # Evidence that contradicted the status (e.g. a paid callback after a query said cancelled).
    conflict: str | None = Field(default=None, max_length=500)
    # A payout or reversal still unconfirmed at the maximum age: operators must look at it.
    escalated_at: datetime | None = None
    # While pending: when the reconciler next looks at it, and where Daraja's answers are sent.
    check_after: datetime | None = None
    callback_base_url: str | None = None

    @property
    def checkout_request_id(self) -> str | None:
        return self.stk.checkout_request_id if self.stk else None


class Transaction(TransactionView):
    """A payment as the gateway tracks it; the table's state machine moves `status`."""

    merchant_id: str
