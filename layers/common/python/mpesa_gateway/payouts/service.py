"""sendMoney: B2C to a phone, or B2B to another short code; the result arrives later."""

from __future__ import annotations

from mpesa_gateway.daraja.payloads import B2BPaymentBody, B2CPaymentBody, PartyIdentifier, ResultUrls
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.ledger import new_transaction_id
from mpesa_gateway.models import Driver, PaymentApp, TransactionType
from mpesa_gateway.payouts.models import B2BCommand, B2BRequest, B2CRequest
from mpesa_gateway.tracked import Tracked, TrackedRequests

# Which body a sendMoney request must have, by the app's driver.
REQUEST_MODELS: dict[Driver, type[B2CRequest] | type[B2BRequest]] = {
    Driver.B2C: B2CRequest,
    Driver.B2B: B2BRequest,
}
B2C_PATH = "/mpesa/b2c/v3/paymentrequest"
B2B_PATH = "/mpesa/b2b/v1/paymentrequest"
# Buy Goods pays a till; the other commands pay a short code (paybill or organisation).
_RECEIVER_TYPE = {B2BCommand.BUSINESS_BUY_GOODS: PartyIdentifier.TILL}


class PayoutService:
    def __init__(self, tracked: TrackedRequests) -> None:
        self._tracked = tracked

    def send_money(
        self,
        app: PaymentApp,
        request: B2CRequest | B2BRequest,
        base_url: str,
        idempotency_scope: str | None = None,
    ) -> Tracked:
        if isinstance(request, B2CRequest):
            return self._b2c(app, request, base_url, idempotency_scope)
        return self._b2b(app, request, base_url, idempotency_scope)

    def _b2c(self, app: PaymentApp, request: B2CRequest, base_url: str, scope: str | None) -> Tracked:
        name, credential = self._tracked.initiator(app)

        def body(transaction_id: str, urls: ResultUrls) -> B2CPaymentBody:
            return B2CPaymentBody(
                OriginatorConversationID=transaction_id,
                InitiatorName=name,
                SecurityCredential=credential,
                CommandID=request.command_id,
                Amount=request.amount,
                PartyA=app.short_code,
                PartyB=request.phone_number,
                Remarks=request.remarks,
                Occassion=request.occasion,
                **urls,
            )

        return self._tracked.start(
            app, kind=TransactionType.B2C, path=B2C_PATH, body=body, base_url=base_url, what="payment",
            amount=request.amount, party=request.phone_number, description=request.remarks,
            transaction_id=new_transaction_id(scope),
        )  # fmt: skip

    def _b2b(self, app: PaymentApp, request: B2BRequest, base_url: str, scope: str | None) -> Tracked:
        if request.command_id is B2BCommand.BUSINESS_PAY_BILL and not request.reference:
            raise InvalidRequest(
                "reference (the account number) is required for BusinessPayBill", field="reference"
            )
        name, credential = self._tracked.initiator(app)

        def body(transaction_id: str, urls: ResultUrls) -> B2BPaymentBody:
            return B2BPaymentBody(
                # As for B2C, the gateway's id; results are matched by ConversationID too, either way.
                OriginatorConversationID=transaction_id,
                Initiator=name,
                SecurityCredential=credential,
                CommandID=request.command_id,
                RecieverIdentifierType=_RECEIVER_TYPE.get(request.command_id, PartyIdentifier.SHORT_CODE),
                Amount=request.amount,
                PartyA=app.short_code,
                PartyB=request.receiver_short_code,
                AccountReference=request.reference,
                Remarks=request.remarks,
                **urls,
            )

        return self._tracked.start(
            app, kind=TransactionType.B2B, path=B2B_PATH, body=body, base_url=base_url, what="payment",
            amount=request.amount, party=request.receiver_short_code, reference=request.reference,
            description=request.remarks, transaction_id=new_transaction_id(scope),
        )  # fmt: skip
