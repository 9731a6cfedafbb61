"""POST /api/pay/{payment_app}/remitTax: pay KRA against a PRN (MpesaKeB2B apps; replayed per
Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway import idempotency
from mpesa_gateway.answers import AsyncRequestAnswer
from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    IdempotencyKey,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
)
from mpesa_gateway.models import Operation
from mpesa_gateway.payouts.models import TaxRemittanceRequest
from mpesa_gateway.runtime import app_directory, payout_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/remitTax",
    summary="Remit tax to KRA (short code 572572) against a payment registration number (PRN)",
    tags=["Payouts"],
    security=MERCHANT,
    responses=documented(Data[AsyncRequestAnswer], pending=True, errors=(403, 409, 424, 503)),
)
def remit_tax(
    payment_app: PaymentAppId,
    request: Annotated[TaxRemittanceRequest, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Response[Data[AsyncRequestAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.REMIT_TAX)

    status, data = idempotency.replayed_start(
        key=idempotency_key,
        app=found,
        operation=Operation.REMIT_TAX,
        request=request,
        start=lambda scope: payout_service().remit_tax(found, request, public_base_url(event), scope),
    )
    return app.answer(status, {"data": data})


handler = lambda_handler(app)
