"""POST /api/pay/{payment_app}/simulateTransaction: a sandbox customer pays the app's short code."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.answers import DarajaAcknowledgement
from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
)
from mpesa_gateway.c2b.models import SimulateRequest
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, c2b_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/simulateTransaction",
    summary="Sandbox only: Daraja plays a customer paying the app's short code",
    tags=["C2B"],
    security=MERCHANT,
    responses=documented(Data[DarajaAcknowledgement], errors=(403, 424, 503)),
)
def simulate_transaction(
    payment_app: PaymentAppId, request: Annotated[SimulateRequest, Body()]
) -> Response[Data[DarajaAcknowledgement]]:
    c2b_app = app_directory().for_merchant(
        payment_app, merchant_id(app.current_event), Operation.SIMULATE_TRANSACTION
    )
    return app.answer(200, {"data": c2b_service().simulate(c2b_app, request)})


handler = lambda_handler(app)
