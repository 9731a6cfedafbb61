"""The request bodies the gateway sends to Daraja, one model per API.

Field names are Daraja's, Safaricom's misspellings included (`Occassion`, `RecieverIdentifierType`);
fixed values are defaults. Every field is sent, None as JSON null (a till's C2B simulate has a null
BillRefNumber), but for a top-up's optional Requester, which is left out.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Generic, Literal, TypedDict, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel

from mpesa_gateway.models import C2BResponseType, LipaCommand
from mpesa_gateway.payouts.models import B2BCommand, B2CCommand
from mpesa_gateway.qr.models import QrTransactionCode


class PartyIdentifier(StrEnum):
    """Daraja's IdentifierType values: what kind of party a number is."""

    MSISDN = "1"
    TILL = "2"
    SHORT_CODE = "4"  # a paybill or organisation short code
    REVERSAL_RECEIVER = "11"  # what reversals take for the short code that received the payment


class DarajaBody(BaseModel):
    """A request body exactly as Daraja takes it; built on first use (a function sends one or two kinds)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


Item = TypeVar("Item", bound=DarajaBody)


class DarajaArray(RootModel[list[Item]], Generic[Item]):
    """A body that is a bare JSON array of objects (Bill Manager's bulk invoicing takes one)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    def as_json(self) -> list[dict[str, Any]]:
        return [item.as_json() for item in self.root]


class StkPushBody(DarajaBody):
    BusinessShortCode: str
    Password: str
    Timestamp: str
    TransactionType: LipaCommand = LipaCommand.PAYBILL
    Amount: int
    PartyA: str
    PartyB: str  # the short code, or the till for Buy Goods
    PhoneNumber: str
    CallBackURL: str
    AccountReference: str
    TransactionDesc: str


class StkQueryBody(DarajaBody):
    BusinessShortCode: str
    Password: str
    Timestamp: str
    CheckoutRequestID: str


class RegisterUrlBody(DarajaBody):
    ShortCode: str
    ResponseType: C2BResponseType = C2BResponseType.COMPLETED
    ValidationURL: str
    ConfirmationURL: str


class C2BSimulateBody(DarajaBody):
    ShortCode: str
    CommandID: LipaCommand = LipaCommand.PAYBILL
    Amount: int
    Msisdn: str
    BillRefNumber: str | None  # null for tills, which take no account number


class ResultUrls(TypedDict):
    """Where an asynchronous request's Result and queue timeout are sent."""

    ResultURL: str
    QueueTimeOutURL: str


class ResultBody(DarajaBody):
    """A request Daraja answers later, at its ResultURL (or QueueTimeOutURL)."""

    SecurityCredential: str
    ResultURL: str
    QueueTimeOutURL: str


class B2CPaymentBody(ResultBody):
    OriginatorConversationID: str
    InitiatorName: str
    CommandID: B2CCommand
    Amount: int
    PartyA: str
    PartyB: str
    Remarks: str
    Occassion: str = ""  # Safaricom's spelling


class B2BTransferBody(ResultBody):
    """What Daraja's B2B-family APIs share: one short code pays another out of its working account."""

    OriginatorConversationID: str
    Initiator: str
    SenderIdentifierType: PartyIdentifier = PartyIdentifier.SHORT_CODE
    RecieverIdentifierType: PartyIdentifier = PartyIdentifier.SHORT_CODE  # Safaricom's spelling
    Amount: int
    PartyA: str
    PartyB: str
    AccountReference: str
    Remarks: str


class B2BPaymentBody(B2BTransferBody):
    CommandID: B2BCommand


class B2PochiPaymentBody(ResultBody):
    """B2Pochi: B2C's fields, but `Occasion` spelt right (Safaricom's B2Pochi samples)."""

    OriginatorConversationID: str
    InitiatorName: str
    CommandID: Literal["BusinessPayToPochi"] = "BusinessPayToPochi"
    Amount: int
    PartyA: str
    PartyB: str  # the customer's number, whose Pochi la Biashara is paid
    Remarks: str
    Occasion: str = ""


class B2CTopUpBody(B2BTransferBody):
    """B2C Account Top Up: the B2B payment request with its own command; PartyB is the B2C short code,
    whose utility account is credited (Safaricom's B2CAccountTopUp page)."""

    CommandID: Literal["BusinessPayToBulk"] = "BusinessPayToBulk"
    Requester: str | None = None  # optional: left out, not sent as null, when there is none

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"Requester"} if self.Requester is None else set())


class TaxRemittanceBody(B2BTransferBody):
    """Tax Remittance: AccountReference is the PRN; PartyB is always KRA's collection short code
    (Safaricom's TaxRemittance page)."""

    KRA_PARTY: ClassVar[str] = "572572"

    CommandID: Literal["PayTaxToKRA"] = "PayTaxToKRA"


class ReversalBody(ResultBody):
    Initiator: str
    OriginatorConversationID: str
    CommandID: Literal["TransactionReversal"] = "TransactionReversal"
    TransactionID: str
    Amount: int | str  # cents included when the payment had them ("100.50")
    ReceiverParty: str
    RecieverIdentifierType: PartyIdentifier = PartyIdentifier.REVERSAL_RECEIVER  # Safaricom's spelling
    Remarks: str
    Occasion: str = ""


class TransactionStatusBody(ResultBody):
    Initiator: str
    CommandID: Literal["TransactionStatusQuery"] = "TransactionStatusQuery"
    TransactionID: str = ""
    OriginalConversationID: str = ""
    PartyA: str
    IdentifierType: PartyIdentifier = PartyIdentifier.SHORT_CODE
    Remarks: str
    Occasion: str = ""


class AccountBalanceBody(ResultBody):
    Initiator: str
    CommandID: Literal["AccountBalance"] = "AccountBalance"
    PartyA: str
    IdentifierType: PartyIdentifier = PartyIdentifier.SHORT_CODE
    Remarks: str


class DynamicQrBody(DarajaBody):
    MerchantName: str
    RefNo: str
    Amount: int
    TrxCode: QrTransactionCode
    CPI: str  # the credit party: a till, paybill, agent or phone number, by TrxCode
    Size: str  # pixels; a string in Safaricom's samples


class SimSwapBody(DarajaBody):
    customerNumber: str  # 2547XXXXXXXX
