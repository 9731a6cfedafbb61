"""POST /api/pay/{app}/sendMoney bodies, by driver (the seed's field tables)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag

from mpesa_gateway.models import Amount, Msisdn, TransactionType, whole_number

# The requests that pay money out of the business's accounts: each is settled by its Result (or a
# Transaction Status query about it), escalated rather than given up on, and reported as payout.* events.
PAYOUT_TYPES = frozenset({TransactionType.B2C, TransactionType.B2B})
# Those M-Pesa's reversal can undo.
REVERSIBLE_PAYOUT_TYPES = PAYOUT_TYPES

Remarks = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5,7}$")]


class B2CCommand(StrEnum):
    BUSINESS_PAYMENT = "BusinessPayment"
    SALARY_PAYMENT = "SalaryPayment"
    PROMOTION_PAYMENT = "PromotionPayment"


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
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=13)] = ""
    remarks: Remarks = "Payment"


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
