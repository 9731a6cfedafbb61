"""The bodies of the payout routes: sendMoney by driver (the seed's field tables), B2C account top-up and
tax remittance."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)

from mpesa_gateway.models import Amount, Msisdn, TransactionType, whole_number

# The requests that pay money out of the business's accounts: each is settled by its Result (or a
# Transaction Status query about it), escalated rather than given up on, and reported as payout.* events.
PAYOUT_TYPES = frozenset(
    {
        TransactionType.B2C,
        TransactionType.B2B,
        TransactionType.B2POCHI,
        TransactionType.B2C_TOPUP,
        TransactionType.TAX_REMITTANCE,
    }
)
# Those M-Pesa's reversal can undo. A tax remittance is not among them: the gateway's choice, since KRA
# records the PRN as paid, and taking the money back through M-Pesa would not unpay it (KRA refunds
# overpaid tax through iTax instead).
REVERSIBLE_PAYOUT_TYPES = PAYOUT_TYPES - {TransactionType.TAX_REMITTANCE}

Remarks = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5,7}$")]
# Daraja's AccountReference on the B2B APIs: up to 13 characters.
AccountReference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=13)]


class B2CCommand(StrEnum):
    BUSINESS_PAYMENT = "BusinessPayment"
    SALARY_PAYMENT = "SalaryPayment"
    PROMOTION_PAYMENT = "PromotionPayment"
    # Into the customer's Pochi la Biashara, through Daraja's B2Pochi API rather than B2C's.
    BUSINESS_PAY_TO_POCHI = "BusinessPayToPochi"


class B2BCommand(StrEnum):
    BUSINESS_PAY_BILL = "BusinessPayBill"
    MERCHANT_TO_MERCHANT = "MerchantToMerchantTransfer"
    BUSINESS_BUY_GOODS = "BusinessBuyGoods"


class B2CRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "phone_number": "254712345678",
                    "amount": 500,
                    "command_id": "BusinessPayment",
                    "remarks": "Refund",
                }
            ]
        },
    )

    phone_number: Msisdn
    amount: Annotated[int, Field(ge=10), BeforeValidator(whole_number)]  # Daraja rejects B2C amounts below 10
    command_id: B2CCommand
    remarks: Remarks = "Payment"
    occasion: Annotated[str, StringConstraints(max_length=100)] = ""


class B2BRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "receiver_short_code": "600000",
                    "amount": 10000,
                    "command_id": "BusinessPayBill",
                    "reference": "INV-7",
                }
            ]
        },
    )

    receiver_short_code: ShortCode
    amount: Amount
    command_id: B2BCommand
    reference: AccountReference = ""
    remarks: Remarks = "Payment"


class B2CTopUpRequest(BaseModel):
    """POST /api/pay/{app}/topUpB2cAccount: load a B2C short code's utility account for disbursement."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"b2c_short_code": "600997", "amount": 50000, "reference": "FLOAT-MARCH"}]
        },
    )

    b2c_short_code: ShortCode
    amount: Amount
    reference: AccountReference = ""
    # The customer on whose behalf the business pays, when there is one (Daraja's optional Requester).
    requester: Msisdn | None = None
    remarks: Remarks = "B2C account top up"


# A KRA payment registration number. Safaricom's Tax Remittance page and the SDKs that copy it show
# "353353" and "PRN1234XN": letters and digits; iTax's own are digits. Checked before anything is sent,
# so a PRN pasted with a stray character is a 400 rather than money sent to KRA against nothing.
_PRN = re.compile(r"[A-Z0-9]{6,20}")


def _prn(value: str) -> str:
    if not _PRN.fullmatch(value):
        raise ValueError(
            "must be the payment registration number (PRN) KRA issued: 6 to 20 letters and digits, "
            "e.g. PRN1234XN"
        )
    return value


Prn = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True), AfterValidator(_prn)]


class TaxRemittanceRequest(BaseModel):
    """POST /api/pay/{app}/remitTax: pay KRA (short code 572572) against a PRN."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"prn": "PRN1234XN", "amount": 12500, "remarks": "VAT March"}]},
    )

    prn: Prn
    amount: Amount
    remarks: Remarks = "Tax remittance"


class ReversalRequest(BaseModel):
    """POST /api/pay/{app}/reverseTransaction/{transaction}: an optional body."""

    model_config = ConfigDict(extra="forbid")

    remarks: Remarks = "Reversal"


def _payout_kind(body: Any) -> str | None:
    """Which payout a body describes: a business's short code makes it B2B, else B2C.

    None for a body that is no object at all (a JSON list or string): refused as not an object.
    """
    if isinstance(body, BaseModel):
        body = vars(body)
    if not isinstance(body, dict):
        return None
    return "b2b" if "receiver_short_code" in body else "b2c"


# sendMoney's body, as documented and first validated: the app's driver then says which it must be.
Payout = Annotated[
    Annotated[B2CRequest, Tag("b2c")] | Annotated[B2BRequest, Tag("b2b")],
    Discriminator(_payout_kind, custom_error_type="dict_type"),
]
