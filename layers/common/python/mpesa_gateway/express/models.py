"""M-Pesa Express payloads: the merchant's request, Daraja's answers, Safaricom's callback."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mpesa_gateway.models import Amount, DarajaId, Msisdn

AccountReference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12, pattern=r"^[\w .\-/#]+$")
]
TransactionDesc = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=13)]


class PaymentRequest(BaseModel):
    """POST /api/pay/{app}/requestPayment."""

    model_config = ConfigDict(
        extra="forbid",
        # The first seed's example.
        json_schema_extra={
            "examples": [
                {
                    "phone_number": "254712345678",
                    "amount": 1,
                    "reference": "ORDER-001",
                    "description": "Test payment",
                }
            ]
        },
    )

    phone_number: Msisdn
    amount: Amount
    reference: AccountReference
    description: TransactionDesc = "Payment"


class LegacyStkPushRequest(BaseModel):
    """POST /api/stk_push.php (the first seed): form or JSON, with the seed's field names.

    Unknown fields are ignored, not refused: PHP-style form posts often carry extras (a submit button).
    """

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {"phone": "0712345678", "amount": 1, "reference": "ORDER-001", "description": "Test payment"}
            ]
        },
    )

    phone: Msisdn
    amount: Amount
    reference: AccountReference
    description: TransactionDesc = "Payment"
    app: str | None = Field(
        default=None, max_length=64, description="Which MpesaKeExpress app; default the first"
    )

    def payment(self) -> PaymentRequest:
        return PaymentRequest(
            phone_number=self.phone,
            amount=self.amount,
            reference=self.reference,
            description=self.description,
        )


class StkPushAccepted(BaseModel):
    """Daraja's synchronous answer to an STK push."""

    model_config = ConfigDict(extra="ignore")

    MerchantRequestID: str
    CheckoutRequestID: str
    ResponseCode: str
    ResponseDescription: str
    CustomerMessage: str


class StkQueryAnswer(BaseModel):
    """Daraja's answer to an STK query once the customer has acted (ResultCode is a string there)."""

    model_config = ConfigDict(extra="ignore")

    ResponseCode: str
    ResponseDescription: str
    MerchantRequestID: str
    CheckoutRequestID: str
    ResultCode: int
    ResultDesc: str


class CallbackItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    Name: str
    Value: str | int | float | None = None  # Balance often comes with no Value at all


class StkCallbackMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore")

    Item: list[CallbackItem] = []

    def value(self, name: str) -> str | int | float | None:
        return next((item.Value for item in self.Item if item.Name == name), None)


class StkCallback(BaseModel):
    model_config = ConfigDict(extra="ignore")

    MerchantRequestID: DarajaId
    CheckoutRequestID: DarajaId
    ResultCode: int
    ResultDesc: str
    CallbackMetadata: StkCallbackMetadata | None = None


class StkCallbackBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stkCallback: StkCallback


class StkCallbackEnvelope(BaseModel):
    """What Safaricom POSTs to the CallBackURL."""

    model_config = ConfigDict(
        extra="ignore",
        # The seed's paid callback (a cancelled one has ResultCode 1032 and no CallbackMetadata).
        json_schema_extra={
            "examples": [
                {
                    "Body": {
                        "stkCallback": {
                            "MerchantRequestID": "29115-34620561-1",
                            "CheckoutRequestID": "ws_CO_191220191020363925",
                            "ResultCode": 0,
                            "ResultDesc": "The service request is processed successfully.",
                            "CallbackMetadata": {
                                "Item": [
                                    {"Name": "Amount", "Value": 1.00},
                                    {"Name": "MpesaReceiptNumber", "Value": "QJI3R7GXWV"},
                                    {"Name": "Balance"},
                                    {"Name": "TransactionDate", "Value": 20260315143000},
                                    {"Name": "PhoneNumber", "Value": 254712345678},
                                ]
                            },
                        }
                    }
                }
            ]
        },
    )

    Body: StkCallbackBody
