"""Bill Manager's merchant requests, Daraja bodies and answers, the stored invoice and the payment
notification.

Daraja's fields as Safaricom's portal documents them (mirrored in RafaelJohn9/mpesakit,
mpesakit/bill_manager/schemas.py, and in other public SDKs): lower camel case (`shortcode`,
`callbackurl` all lower case), answers `{"rescode": "200", "resmsg": "Success", "Status_Message"}`, and
a payment notification `{transactionId, paidAmount, msisdn, dateCreated, accountReference, shortCode}`
acknowledged with `{"rescode": "200", "resmsg": "Success"}`.

Bulk invoicing takes a bare JSON array of single invoices, at most 1,000 per call, and answers once for
the whole array (no word per invoice). Safaricom's Bill Manager page (developer.safaricom.co.ke/apis/
BillManager, "Bulk Invoicing - Generic API", as copied in JacksCodeVault/mpesa-daraja-mcp,
daraja_docs_v3/docs/BillManager.md) says "You can send up-to 1000 invoices for each call" and shows the
invoices one after another closed by `]` with no key, like its cancel-bulk-invoices sample `[{...}]`;
c12i/mpesa-rust and several PHP and TypeScript SDKs send that array. (mpesakit wraps it in
{"invoices": [...]}, which the page does not show.)
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from mpesa_gateway.answers import Answer
from mpesa_gateway.daraja.payloads import DarajaArray, DarajaBody
from mpesa_gateway.inputs import INVOICE_REFERENCE_PATTERN
from mpesa_gateway.models import Amount, Msisdn

OPT_IN_PATH = "/v1/billmanager-invoice/optin"
SINGLE_INVOICE_PATH = "/v1/billmanager-invoice/single-invoicing"
CANCEL_INVOICE_PATH = "/v1/billmanager-invoice/cancel-single-invoice"
BULK_INVOICE_PATH = "/v1/billmanager-invoice/bulk-invoicing"
# Safaricom's documented maximum per bulk-invoicing call: a batch is always one call.
MAX_BULK_INVOICES = 1000
SUCCESS_CODE = "200"
MONTHS = tuple(calendar.month_name[1:])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class OptInRequest(BaseModel):
    """POST /api/pay/{app}/billManager/optIn: the business as its invoices and receipts show it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "billing@shop.example.com",
                    "official_contact": "0712345678",
                    "send_reminders": True,
                }
            ]
        },
    )

    email: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ]
    official_contact: Msisdn
    send_reminders: bool = True
    logo: Annotated[str, StringConstraints(max_length=100_000)] | None = Field(
        default=None, description="A JPEG image embedded in invoices and receipts"
    )


class OptInBody(DarajaBody):
    shortcode: str
    email: str
    officialContact: str
    sendReminders: str  # "1" on, "0" off
    logo: str | None
    callbackurl: str


class OptInAnswer(Answer):
    """billManager/optIn: Daraja's answer."""

    app_key: str | None = None
    rescode: str
    resmsg: str


class DarajaInvoiceAnswer(BaseModel):
    """The answer of single invoicing and cancelling (and of opt-in, with its app_key)."""

    model_config = ConfigDict(extra="ignore")

    rescode: str
    resmsg: str = ""
    Status_Message: str = ""
    app_key: str | None = None

    @field_validator("rescode", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class InvoiceItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_name: Text
    amount: Amount


class InvoiceRequest(BaseModel):
    """POST /api/pay/{app}/invoices: one invoice, sent to the customer's phone by SMS."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_reference": "INV-2026-0042",
                    "billed_full_name": "Jane Wanjiru",
                    "billed_phone_number": "0712345678",
                    "billed_period": "November 2026",
                    "invoice_name": "School fees",
                    "due_date": "2026-12-15",
                    "account_reference": "STUDENT-7",
                    "amount": 800,
                    "invoice_items": [
                        {"item_name": "Tuition", "amount": 700},
                        {"item_name": "Lunch", "amount": 100},
                    ],
                }
            ]
        },
    )

    external_reference: Annotated[str, StringConstraints(pattern=f"^{INVOICE_REFERENCE_PATTERN.pattern}$")]
    billed_full_name: Text
    billed_phone_number: Msisdn
    billed_period: str = Field(description="Month and year, e.g. November 2026")
    invoice_name: Text
    due_date: date
    # What the customer pays against (the paybill account number); payments name it.
    account_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    amount: Amount
    invoice_items: list[InvoiceItem] = Field(default_factory=list, max_length=50)

    @field_validator("billed_period")
    @classmethod
    def _month_and_year(cls, value: str) -> str:
        month, _, year = value.strip().partition(" ")
        if month not in MONTHS or not (len(year) == 4 and year.isdigit()):
            raise ValueError("must be a month and year, e.g. November 2026")
        return f"{month} {year}"

    @model_validator(mode="after")
    def _items_add_up(self) -> InvoiceRequest:
        if self.invoice_items and sum(item.amount for item in self.invoice_items) != self.amount:
            raise ValueError("the invoice items' amounts must add up to amount")
        return self


class InvoiceItemBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    itemName: str
    amount: int


class SingleInvoiceBody(DarajaBody):
    externalReference: str
    billedFullName: str
    billedPhoneNumber: str  # 07XXXXXXXX, as Safaricom's samples show it
    billedPeriod: str
    invoiceName: str
    dueDate: str  # YYYY-MM-DD
    accountReference: str
    amount: int
    invoiceItems: list[InvoiceItemBody]


BulkInvoiceBody = DarajaArray[SingleInvoiceBody]


class BulkInvoiceRequest(BaseModel):
    """POST /api/pay/{app}/bulkInvoices: several invoices, each one as POST .../invoices takes it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "invoices": [
                        {
                            "external_reference": "INV-2026-0042",
                            "billed_full_name": "Jane Wanjiru",
                            "billed_phone_number": "0712345678",
                            "billed_period": "November 2026",
                            "invoice_name": "School fees",
                            "due_date": "2026-12-15",
                            "account_reference": "STUDENT-7",
                            "amount": 800,
                        },
                        {
                            "external_reference": "INV-2026-0043",
                            "billed_full_name": "Peter Otieno",
                            "billed_phone_number": "0722000000",
                            "billed_period": "November 2026",
                            "invoice_name": "School fees",
                            "due_date": "2026-12-15",
                            "account_reference": "STUDENT-8",
                            "amount": 800,
                        },
                    ]
                }
            ]
        },
    )

    invoices: list[InvoiceRequest] = Field(min_length=1, max_length=MAX_BULK_INVOICES)

    @field_validator("invoices")
    @classmethod
    def _references_differ(cls, invoices: list[InvoiceRequest]) -> list[InvoiceRequest]:
        first_at: dict[str, int] = {}
        for index, invoice in enumerate(invoices):
            earlier = first_at.setdefault(invoice.external_reference, index)
            if earlier != index:
                problem = PydanticCustomError(
                    "duplicate_reference", f"repeats invoices[{earlier}].external_reference"
                )
                details = InitErrorDetails(
                    type=problem, loc=(index, "external_reference"), input=invoice.external_reference
                )
                raise ValidationError.from_exception_data(cls.__name__, [details])
        return invoices


class CancelInvoiceBody(DarajaBody):
    externalReference: str


class InvoiceStatus(StrEnum):
    SENT = "sent"
    PAID = "paid"
    CANCELLED = "cancelled"


class Invoice(Answer):
    """An invoice as stored and as merchants see it."""

    model_config = ConfigDict(extra="ignore")

    app_id: str
    external_reference: str
    billed_full_name: str
    billed_phone_number: str
    billed_period: str
    invoice_name: str
    due_date: date
    account_reference: str
    amount: int
    invoice_items: list[InvoiceItem]
    status: InvoiceStatus = InvoiceStatus.SENT
    # The payment that paid it: its gateway transaction id.
    paid_by: str | None = None
    # Why delivery is uncertain (Daraja's answer to the invoice never came).
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class BulkInvoiceResult(Answer):
    """One invoice of a batch: its reference, its status, and whether this request sent it."""

    external_reference: str
    status: InvoiceStatus
    sent_now: bool = Field(
        description="True: sent by this request; false: an earlier request sent it, it was not sent again"
    )
    error: str | None = Field(default=None, description="Why its delivery is uncertain")


class BulkInvoiceAnswer(Answer):
    """bulkInvoices: every invoice of the batch, in the order given."""

    invoices: list[BulkInvoiceResult]


class InvoicePaymentNotice(BaseModel):
    """Bill Manager's payment notification, posted to the opt-in's callbackurl."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "transactionId": "RJB53MYR1N",
                    "paidAmount": 5000,
                    "msisdn": "254722000000",
                    "dateCreated": "2021-10-01",
                    "accountReference": "BC001",
                    "shortCode": 456545,
                }
            ]
        },
    )

    transactionId: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,32}$")]
    paidAmount: Annotated[int, Field(ge=1)]
    msisdn: Annotated[str, StringConstraints(max_length=64)] = ""
    dateCreated: Annotated[str, StringConstraints(max_length=32)] = ""
    accountReference: Annotated[str, StringConstraints(max_length=64)] = ""
    shortCode: str | int

    @field_validator("paidAmount", mode="before")
    @classmethod
    def _whole_shillings(cls, value: Any) -> Any:
        # Daraja may send 5000, "5000" or 5000.00; a fraction of a shilling is not an M-Pesa amount.
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("not an amount")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("not an amount") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError("not whole shillings")
        return int(number)


class PaymentAck(Answer):
    """What Bill Manager expects back from a payment notification."""

    rescode: str
    resmsg: str


PAYMENT_ACK = PaymentAck(rescode=SUCCESS_CODE, resmsg="Success")
