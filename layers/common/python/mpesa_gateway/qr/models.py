"""POST /api/pay/{app}/generateQrCode: the request, Daraja's answer and the gateway's.

Daraja's Dynamic QR (`/mpesa/qrcode/v1/generate`, Safaricom's portal documentation "Dynamic QR") takes
MerchantName, RefNo, Amount, TrxCode, CPI and Size and answers ResponseCode, RequestID,
ResponseDescription and QRCode, the image as a base64 PNG. Safaricom documents no length limits; the
bounds below are the gateway's own, chosen to keep the code scannable at the smallest size.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from mpesa_gateway.answers import Answer, omitted
from mpesa_gateway.daraja.formats import DarajaText
from mpesa_gateway.models import Amount, whole_number


class QrTransactionCode(StrEnum):
    """Daraja's TrxCode: what paying the code does, and so what its CPI (credit party) is."""

    BUY_GOODS = "BG"  # pay a merchant's till
    WITHDRAW_AT_AGENT = "WA"  # withdraw cash at an agent's till
    PAYBILL = "PB"  # pay a paybill (business number), RefNo being the account number
    SEND_MONEY = "SM"  # send money to a phone number
    SEND_TO_BUSINESS = "SB"  # send to a business whose number is in phone-number form (e.g. Pochi)


MIN_SIZE_PIXELS = 100
MAX_SIZE_PIXELS = 1000
DEFAULT_SIZE_PIXELS = 300  # Safaricom's sample
MERCHANT_NAME_MAX_LENGTH = 50
REFERENCE_MAX_LENGTH = 20  # as C2B's account numbers (simulateTransaction's reference)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Pixels = Annotated[int, Field(ge=MIN_SIZE_PIXELS, le=MAX_SIZE_PIXELS), BeforeValidator(whole_number)]


class QrCodeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"merchant_name": "TEST SUPERMARKET", "reference": "INV-2026-001", "amount": 250,
                 "trx_code": "PB"},
                {"merchant_name": "Mama Mboga", "reference": "Sukuma", "amount": 50, "trx_code": "SM",
                 "cpi": "0712345678", "size": 400},
            ]
        },
    )  # fmt: skip

    merchant_name: Annotated[Text, Field(max_length=MERCHANT_NAME_MAX_LENGTH)]
    reference: Annotated[Text, Field(max_length=REFERENCE_MAX_LENGTH)] = Field(
        description="RefNo: the account number for PB, else the customer's reference"
    )
    amount: Amount
    trx_code: QrTransactionCode = Field(
        description="BG buy goods (a till), WA withdraw at an agent, PB paybill, SM send money (a phone), "
        "SB send to a business by its phone-style number"
    )
    cpi: str | None = Field(
        default=None,
        max_length=20,
        description="The credit party: a till (BG), agent (WA) or paybill (PB) number of 5-7 digits, or a "
        "phone number (SM, SB). BG and PB default to this app's own till or paybill",
    )
    size: Pixels = Field(default=DEFAULT_SIZE_PIXELS, description="The square image's side in pixels")


class DarajaQrCode(BaseModel):
    """Daraja's answer. ResponseCode is "00" in most SDKs' records and an AG_… id in Safaricom's sample."""

    model_config = ConfigDict(extra="ignore")

    ResponseCode: DarajaText
    RequestID: DarajaText | None = None
    ResponseDescription: DarajaText = ""
    QRCode: Annotated[str, StringConstraints(min_length=1)]


class QrCodeAnswer(Answer):
    """generateQrCode: Daraja's answer as it came."""

    ResponseCode: str
    RequestID: str | None = omitted("Daraja's id of the request")
    ResponseDescription: str
    QRCode: str = Field(description="The QR code: a PNG image, base64-encoded (data:image/png;base64,…)")
