"""POST /api/pay/{payment_app}/topUpB2cAccount: load a B2C short code's utility account (MpesaKeB2B apps;
replayed per Idempotency-Key)."""

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
from mpesa_gateway.payouts.models import B2CTopUpRequest
from mpesa_gateway.runtime import app_directory, payout_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/topUpB2cAccount",
    summary="Move money from this business's working account into a B2C short code's utility account",
    tags=["Payouts"],
    security=MERCHANT,
    responses=documented(Data[AsyncRequestAnswer], pending=True, errors=(403, 409, 424, 503)),
)
def top_up_b2c_account(
    payment_app: PaymentAppId,
    request: Annotated[B2CTopUpRequest, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Response[Data[AsyncRequestAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.TOP_UP_B2C_ACCOUNT)

    status, data = idempotency.replayed_start(
        key=idempotency_key,
        app=found,
        operation=Operation.TOP_UP_B2C_ACCOUNT,
        request=request,
        start=lambda scope: payout_service().top_up_b2c_account(
            found, request, public_base_url(event), scope
        ),
    )
    return app.answer(status, {"data": data})


handler = lambda_handler(app)
