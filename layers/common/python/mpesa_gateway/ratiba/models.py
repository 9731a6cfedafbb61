"""Ratiba's merchant request, Daraja body, Daraja answer and callback.

Daraja's fields as Safaricom's portal documents them (copied in RafaelJohn9/mpesakit,
mpesakit/mpesa_ratiba/schemas.py, and in public Daraja doc mirrors): every value is a string, dates
are yyyymmdd, Frequency 1-8, ReceiverPartyIdentifierType 4 paybill or 2 till, and the Buy Goods
TransactionType is spelt "Standing Order Customer Pay Marchant" (sic).
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from mpesa_gateway.answers import TRANSACTION_ID, UNKNOWN_OUTCOME, Answer, omitted
from mpesa_gateway.daraja.payloads import DarajaBody, PartyIdentifier
from mpesa_gateway.models import Amount, Msisdn, TransactionStatus

PATH = "/standingorder/v1/createStandingOrderExternal"
# The synchronous answer's ResponseHeader.responseCode when Daraja took the request.
ACCEPTED_CODE = "200"


class Frequency(IntEnum):
    ONE_OFF = 1
    DAILY = 2
    WEEKLY = 3
    MONTHLY = 4
    BI_MONTHLY = 5
    QUARTERLY = 6
    HALF_YEARLY = 7
    YEARLY = 8


class StandingOrderType(StrEnum):
    PAYBILL = "Standing Order Customer Pay Bill"
    BUY_GOODS = "Standing Order Customer Pay Marchant"  # Safaricom's spelling


class StandingOrderRequest(BaseModel):
    """POST /api/pay/{app}/standingOrders."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Gym membership",
                    "phone_number": "0712345678",
                    "amount": 1500,
                    "start_date": "2026-12-01",
                    "end_date": "2027-11-30",
                    "frequency": 4,
                    "reference": "MEMBER-42",
                    "description": "Gym monthly",
                }
            ]
        },
    )

    # Unique per customer: Daraja's result 1050 says the customer has one by this name already.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    phone_number: Msisdn
    amount: Amount
    start_date: date = Field(description="The first deduction's date (Nairobi), today or later")
    end_date: date = Field(description="After start_date")
    frequency: Frequency = Field(
        description="1 one-off, 2 daily, 3 weekly, 4 monthly, 5 bi-monthly, 6 quarterly, 7 half-yearly, "
        "8 yearly"
    )
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=13)] = "Recurring"

    @field_validator("start_date", "end_date", mode="before")
    @classmethod
    def _iso_date_only(cls, value: Any) -> Any:
        # A bare date: a timestamp here would hide which day (Nairobi or UTC) was meant.
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError("must be a date, YYYY-MM-DD")
        return value


class StandingOrderBody(DarajaBody):
    StandingOrderName: str
    StartDate: str  # yyyymmdd
    EndDate: str
    BusinessShortCode: str  # the paybill, or the till for Buy Goods
    TransactionType: StandingOrderType
    ReceiverPartyIdentifierType: PartyIdentifier
    Amount: str
    PartyA: str
    CallBackURL: str
    AccountReference: str
    TransactionDesc: str
    Frequency: str


class ResponseHeader(BaseModel):
    model_config = ConfigDict(extra="ignore")

    responseRefID: str = Field(max_length=128)
    responseCode: str
    responseDescription: str = ""


class StandingOrderAccepted(BaseModel):
    """Daraja's synchronous answer (only its header matters)."""

    model_config = ConfigDict(extra="ignore")

    ResponseHeader: ResponseHeader


class StandingOrderAnswer(Answer):
    """standingOrders: Daraja's acceptance (the customer approves later), or what the gateway knows."""

    transaction_id: str = TRANSACTION_ID
    responseRefID: str | None = omitted("Daraja's id of the request; its callback names it")
    ResponseCode: str | None = omitted()
    ResponseDescription: str
    status: TransactionStatus | None = omitted(UNKNOWN_OUTCOME)


class CallbackItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    value: Any = None


class CallbackHeader(BaseModel):
    model_config = ConfigDict(extra="ignore")

    responserefid: str = Field(default="", max_length=128)
    requestrefid: str = Field(default="", max_length=128)
    responsecode: str | int
    responsedescription: str = ""


class CallbackBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    responsedata: list[CallbackItem] = Field(default_factory=list)


class StandingOrderCallback(BaseModel):
    """Ratiba's callback. Safaricom's own samples spell its keys both ways (ResponseHeader and
    responseHeader, Name and name), so it is read with keys lower-cased, and documented so; the
    example is Safaricom's sample as sent."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "responseHeader": {
                        "responseRefID": "0acc0239-20fa-4a52-8b9d-9bd64c0465c3",
                        "requestRefID": "0acc0239-20fa-4a52-8b9d-9bd64c0465c3",
                        "responseCode": "0",
                        "responseDescription": "The service request is processed successfully",
                    },
                    "responseBody": {
                        "responseData": [
                            {"name": "TransactionID", "value": "SC8F2IQMH5"},
                            {"name": "responseCode", "value": "0"},
                            {"name": "Status", "value": "OKAY"},
                            {"name": "Msisdn", "value": "254******867"},
                        ]
                    },
                }
            ]
        },
    )

    responseheader: CallbackHeader
    responsebody: CallbackBody = Field(default_factory=CallbackBody)

    @model_validator(mode="before")
    @classmethod
    def _keys_lower_cased(cls, value: Any) -> Any:
        return _lower_keys(value)

    @property
    def data(self) -> dict[str, Any]:
        return {item.name: item.value for item in self.responsebody.responsedata}

    @property
    def result_code(self) -> int | str:
        code = next(
            (value for name, value in self.data.items() if name.lower() in ("responsecode", "resultcode")),
            self.responseheader.responsecode,
        )
        text = str(code).strip()
        return int(text) if text.isdigit() else text

    @property
    def key(self) -> str:
        return self.responseheader.responserefid or self.responseheader.requestrefid


def _lower_keys(value: Any) -> Any:
    """A JSON value with every object key lower-cased."""
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value
