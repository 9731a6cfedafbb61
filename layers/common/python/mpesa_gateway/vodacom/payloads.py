"""Vodacom's request bodies (every value a string, as its API takes them) and its answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

C2B_SINGLE_STAGE = "c2bPayment/singleStage/"
B2C_PAYMENT = "b2cPayment/"
B2B_PAYMENT = "b2bPayment/"
REVERSAL = "reversal/"
QUERY_TRANSACTION_STATUS = "queryTransactionStatus/"
GET_SESSION = "getSession/"


class VodacomBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def as_json(self) -> dict[str, str]:
        return self.model_dump()


class C2BSingleStageBody(VodacomBody):
    input_Amount: str
    input_Country: str
    input_Currency: str
    input_CustomerMSISDN: str
    input_ServiceProviderCode: str
    input_ThirdPartyConversationID: str
    input_TransactionReference: str
    input_PurchasedItemsDesc: str


class B2CBody(VodacomBody):
    input_Amount: str
    input_Country: str
    input_Currency: str
    input_CustomerMSISDN: str
    input_ServiceProviderCode: str
    input_ThirdPartyConversationID: str
    input_TransactionReference: str
    input_PaymentItemsDesc: str


class B2BBody(VodacomBody):
    input_Amount: str
    input_Country: str
    input_Currency: str
    input_PrimaryPartyCode: str
    input_ReceiverPartyCode: str
    input_PurchasedItemsDesc: str
    input_ThirdPartyConversationID: str
    input_TransactionReference: str


class ReversalBody(VodacomBody):
    input_ReversalAmount: str
    input_Country: str
    input_ServiceProviderCode: str
    input_ThirdPartyConversationID: str
    input_TransactionID: str


class StatusQuery(VodacomBody):
    """queryTransactionStatus's query string; the reference may be any of the transaction's three ids."""

    input_QueryReference: str
    input_ServiceProviderCode: str
    input_ThirdPartyConversationID: str
    input_Country: str


class VodacomAnswer(BaseModel):
    """Any answer: its code and description, and whichever ids and status the endpoint gives."""

    model_config = ConfigDict(extra="allow")

    output_ResponseCode: str
    output_ResponseDesc: str = ""
    output_TransactionID: str | None = None
    output_ConversationID: str | None = None
    output_ThirdPartyConversationID: str | None = None
    output_SessionID: str | None = None
    # queryTransactionStatus: the transaction's status and M-Pesa id (output_TransactionID is not it).
    output_ResponseTransactionStatus: str | None = None
    output_OriginalTransactionID: str | None = None

    @property
    def receipt(self) -> str | None:
        """The M-Pesa transaction id: a payment's own answer's, or the one a status query found."""
        return self.output_OriginalTransactionID or self.output_TransactionID
