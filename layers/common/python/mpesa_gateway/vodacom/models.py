"""The merchant's bodies for Vodacom apps (MpesaTz, MpesaCongo): the market rules (numbers, currencies,
decimals) are applied by the service, which knows the app's market."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

# Vodacom's input_TransactionReference: letters and digits (INS-17 refuses long ones).
Reference = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{1,20}$")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Any spelling of a number; the app's market decides whether it is one of its customers' (255…, 243…).
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=9, max_length=20)]
Money = Annotated[Decimal, Field(gt=0, max_digits=14, examples=["1000", "12.50"])]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
PartyCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{3,10}$")]


class VodacomPaymentRequest(BaseModel):
    """requestPayment on an MpesaTz or MpesaCongo app: a C2B single-stage push to the customer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"phone_number": "255712345678", "amount": "1000", "reference": "ORDER001"}]
        },
    )

    phone_number: Phone
    amount: Money
    reference: Reference
    description: Description = "Payment"
    currency: Currency | None = None  # the app's by default (the DRC takes USD and CDF)


class VodacomB2CRequest(BaseModel):
    """sendMoney on a Vodacom app, paying a customer."""

    model_config = ConfigDict(extra="forbid")

    phone_number: Phone
    amount: Money
    reference: Reference
    description: Description = "Payment"
    currency: Currency | None = None


class VodacomB2BRequest(BaseModel):
    """sendMoney on a Vodacom app, paying another business (its receiver party code)."""

    model_config = ConfigDict(extra="forbid")

    receiver_party_code: PartyCode
    amount: Money
    reference: Reference
    description: Description = "Payment"
    currency: Currency | None = None


def _kind(body: Any) -> str | None:
    if isinstance(body, BaseModel):
        body = vars(body)
    if not isinstance(body, dict):
        return None
    return "b2b" if "receiver_party_code" in body else "b2c"


# A Vodacom payout says which it is by its shape: a receiver party code makes it B2B.
VodacomPayout = Annotated[
    Annotated[VodacomB2CRequest, Tag("b2c")] | Annotated[VodacomB2BRequest, Tag("b2b")],
    Discriminator(_kind, custom_error_type="dict_type"),
]
