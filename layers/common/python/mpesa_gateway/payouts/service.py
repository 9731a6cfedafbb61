"""Payouts, the business sends money: sendMoney (B2C to a phone or its Pochi la Biashara, B2B to a
short code), B2C account top-up and tax remittance. Each is a tracked request: stored PENDING before
Daraja is called, settled later by its Result (or a Transaction Status query about it)."""

from __future__ import annotations

from typing import Any

from mpesa_gateway.daraja.payloads import (
    B2BPaymentBody,
    B2BTransferBody,
    B2CPaymentBody,
    B2CTopUpBody,
    B2PochiPaymentBody,
    PartyIdentifier,
    ResultUrls,
    TaxRemittanceBody,
)
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.ledger import new_transaction_id
from mpesa_gateway.models import Driver, PaymentApp, TransactionType
from mpesa_gateway.payouts.models import (
    B2BCommand,
    B2BRequest,
    B2CCommand,
    B2CRequest,
    B2CTopUpRequest,
    TaxRemittanceRequest,
)
from mpesa_gateway.tracked import BodyBuilder, Tracked, TrackedRequests

# Which body a sendMoney request must have, by the app's driver.
REQUEST_MODELS: dict[Driver, type[B2CRequest] | type[B2BRequest]] = {
    Driver.B2C: B2CRequest,
    Driver.B2B: B2BRequest,
}
B2C_PATH = "/mpesa/b2c/v3/paymentrequest"
B2B_PATH = "/mpesa/b2b/v1/paymentrequest"
B2POCHI_PATH = "/mpesa/b2pochi/v1/paymentrequest"
# B2C Account Top Up is the B2B payment request with CommandID BusinessPayToBulk.
TOP_UP_PATH = B2B_PATH
TAX_PATH = "/mpesa/b2b/v1/remittax"
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
        if isinstance(request, B2BRequest):
            return self._b2b(app, request, base_url, idempotency_scope)
        if request.command_id is B2CCommand.BUSINESS_PAY_TO_POCHI:
            kind, path = TransactionType.B2POCHI, B2POCHI_PATH
            body = self._to_customer(app, B2PochiPaymentBody, request, Occasion=request.occasion)
        else:
            kind, path = TransactionType.B2C, B2C_PATH
            body = self._to_customer(
                app, B2CPaymentBody, request, CommandID=request.command_id, Occassion=request.occasion
            )
        return self._start(
            app, kind, path, body, base_url=base_url, scope=idempotency_scope,
            amount=request.amount, party=request.phone_number, description=request.remarks,
        )  # fmt: skip

    def top_up_b2c_account(
        self, app: PaymentApp, request: B2CTopUpRequest, base_url: str, idempotency_scope: str | None = None
    ) -> Tracked:
        """Move money from this app's working account into a B2C short code's utility account.

        Only MpesaKeB2B apps may (models.ALLOWED_DRIVERS): BusinessPayToBulk is a B2B payment request,
        from the paying organisation's working (MMF) account, and its initiator needs the "Business Pay
        to Bulk" role an organisation's B2B initiator holds. The B2C short code is the receiver, named
        in the body; Express, C2B and Personal apps have no initiator to send it with.
        """
        if request.b2c_short_code == app.short_code:
            raise InvalidRequest(
                "b2c_short_code is this app's own short code: a top-up pays another short code",
                field="b2c_short_code",
            )
        body = self._transfer(
            app, B2CTopUpBody, amount=request.amount, party_b=request.b2c_short_code,
            reference=request.reference, remarks=request.remarks, Requester=request.requester,
        )  # fmt: skip
        return self._start(
            app, TransactionType.B2C_TOPUP, TOP_UP_PATH, body, base_url=base_url, scope=idempotency_scope,
            amount=request.amount, party=request.b2c_short_code, reference=request.reference,
            description=request.remarks,
        )  # fmt: skip

    def remit_tax(
        self,
        app: PaymentApp,
        request: TaxRemittanceRequest,
        base_url: str,
        idempotency_scope: str | None = None,
    ) -> Tracked:
        """Pay KRA against a PRN, from this (MpesaKeB2B) app's working account, as a B2B payout."""
        body = self._transfer(
            app, TaxRemittanceBody, amount=request.amount, party_b=TaxRemittanceBody.KRA_PARTY,
            reference=request.prn, remarks=request.remarks,
        )  # fmt: skip
        return self._start(
            app, TransactionType.TAX_REMITTANCE, TAX_PATH, body, base_url=base_url, scope=idempotency_scope,
            amount=request.amount, party=TaxRemittanceBody.KRA_PARTY, reference=request.prn,
            description=request.remarks,
        )  # fmt: skip

    def _b2b(self, app: PaymentApp, request: B2BRequest, base_url: str, scope: str | None) -> Tracked:
        if request.command_id is B2BCommand.BUSINESS_PAY_BILL and not request.reference:
            raise InvalidRequest(
                "reference (the account number) is required for BusinessPayBill", field="reference"
            )
        body = self._transfer(
            app, B2BPaymentBody, amount=request.amount, party_b=request.receiver_short_code,
            reference=request.reference, remarks=request.remarks, CommandID=request.command_id,
            RecieverIdentifierType=_RECEIVER_TYPE.get(request.command_id, PartyIdentifier.SHORT_CODE),
        )  # fmt: skip
        return self._start(
            app, TransactionType.B2B, B2B_PATH, body, base_url=base_url, scope=scope,
            amount=request.amount, party=request.receiver_short_code, reference=request.reference,
            description=request.remarks,
        )  # fmt: skip

    def _to_customer(
        self,
        app: PaymentApp,
        kind: type[B2CPaymentBody] | type[B2PochiPaymentBody],
        request: B2CRequest,
        **fixed: Any,
    ) -> BodyBuilder:
        """A B2C-family body (payment, Pochi) from this app's short code and initiator to a phone."""
        name, credential = self._tracked.initiator(app)

        def body(transaction_id: str, urls: ResultUrls) -> B2CPaymentBody | B2PochiPaymentBody:
            return kind(
                OriginatorConversationID=transaction_id,
                InitiatorName=name,
                SecurityCredential=credential,
                Amount=request.amount,
                PartyA=app.short_code,
                PartyB=request.phone_number,
                Remarks=request.remarks,
                **fixed,
                **urls,
            )

        return body

    def _transfer(
        self,
        app: PaymentApp,
        kind: type[B2BTransferBody],
        *,
        amount: int,
        party_b: str,
        reference: str,
        remarks: str,
        **fixed: Any,
    ) -> BodyBuilder:
        """A B2B-family body (payment, top-up, tax) from this app's short code and initiator."""
        name, credential = self._tracked.initiator(app)

        def body(transaction_id: str, urls: ResultUrls) -> B2BTransferBody:
            return kind(
                # As for B2C, the gateway's id; results are matched by ConversationID too, either way.
                OriginatorConversationID=transaction_id,
                Initiator=name,
                SecurityCredential=credential,
                Amount=amount,
                PartyA=app.short_code,
                PartyB=party_b,
                AccountReference=reference,
                Remarks=remarks,
                **fixed,
                **urls,
            )

        return body

    def _start(
        self,
        app: PaymentApp,
        kind: TransactionType,
        path: str,
        body: BodyBuilder,
        *,
        base_url: str,
        scope: str | None,
        **recorded: Any,
    ) -> Tracked:
        """Store the payout PENDING (its id derived from the Idempotency-Key, if any), then send it."""
        return self._tracked.start(
            app, kind=kind, path=path, body=body, base_url=base_url, what="payment",
            transaction_id=new_transaction_id(scope), **recorded,
        )  # fmt: skip
