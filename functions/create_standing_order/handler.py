"""POST /api/pay/{payment_app}/standingOrders: a Ratiba standing order the customer approves on their
phone (replayed per Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway import idempotency
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
from mpesa_gateway.ratiba.models import StandingOrderAnswer, StandingOrderRequest
from mpesa_gateway.runtime import app_directory, ratiba_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/standingOrders",
    summary="Ask a customer to approve a standing order paying this app (MpesaKeExpress apps)",
    tags=["Standing orders"],
    security=MERCHANT,
    responses=documented(Data[StandingOrderAnswer], pending=True, errors=(403, 409, 424, 503)),
)
def create_standing_order(
    payment_app: PaymentAppId,
    order: Annotated[StandingOrderRequest, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Response[Data[StandingOrderAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.STANDING_ORDERS)

    status, data = idempotency.replayed_start(
        key=idempotency_key,
        app=found,
        operation=Operation.STANDING_ORDERS,
        request=order,
        start=lambda scope: ratiba_service().create(found, order, public_base_url(event), scope),
    )
    return app.answer(status, {"data": data})


handler = lambda_handler(app)
