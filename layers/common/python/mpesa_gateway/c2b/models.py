"""C2B payloads: Safaricom's validation and confirmation bodies, and the merchant's requests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mpesa_gateway.daraja.formats import parse_daraja_timestamp
from mpesa_gateway.models import Amount, Msisdn


class C2BPayment(BaseModel):
    """The body Safaricom sends to the validation and confirmation URLs (all strings)."""

    model_config = ConfigDict(
        extra="allow",
        coerce_numbers_to_str=True,
        # The seed's confirmation (validation requests have the same fields, OrgAccountBalance empty).
        json_schema_extra={
            "examples": [
                {
                    "TransactionType": "Pay Bill",
                    "TransID": "QJI3R7GXWV",
                    "TransTime": "20260315143000",
                    "TransAmount": "100.00",
                    "BusinessShortCode": "174379",
                    "BillRefNumber": "INV-2026-001",
                    "InvoiceNumber": "",
                    "OrgAccountBalance": "1500.00",
                    "ThirdPartyTransID": "",
                    "MSISDN": "254712345678",
                    "FirstName": "JOHN",
                    "MiddleName": "",
                    "LastName": "DOE",
                }
            ]
        },
    )

    TransactionType: str = ""
    TransID: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{6,20}$")]
    TransTime: str = ""
    TransAmount: str
    BusinessShortCode: str
    BillRefNumber: str = ""
    InvoiceNumber: str = ""
    OrgAccountBalance: str = ""
    ThirdPartyTransID: str = ""
    # As given: production masks (2547 ***** 126) or hashes it, and the gateway keeps what it got.
    MSISDN: str = ""
    FirstName: str = ""
    MiddleName: str = ""
    LastName: str = ""

    @property
    def amount(self) -> Decimal | None:
        try:
            value = Decimal(self.TransAmount)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None

    @property
    def payer_name(self) -> str:
        return " ".join(part for part in (self.FirstName, self.MiddleName, self.LastName) if part)

    @property
    def paid_at(self) -> datetime | None:
        try:
            return parse_daraja_timestamp(self.TransTime)
        except ValueError:
            return None


class SimulateRequest(BaseModel):
    """POST /api/pay/{app}/simulateTransaction (sandbox only)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"phone_number": "254708374149", "amount": 100, "reference": "INV-2026-001"}]
        },
    )

    phone_number: Msisdn
    amount: Amount
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class LegacyRegisterRequest(BaseModel):
    """POST /api/c2b_register.php (the first seed): an optional app; the merchant's first C2B app else."""

    model_config = ConfigDict(extra="ignore")

    app: str | None = Field(default=None, max_length=64)
