"""POST /api/pay/{payment_app}/requestPayment: send an STK push (replayed per Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.answers import PaymentRequestAnswer
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
from mpesa_gateway.express.models import PaymentRequest
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, express_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/requestPayment",
    summary="Send an STK push: the customer confirms the payment on their phone",
    tags=["M-Pesa Express"],
    security=MERCHANT,
    responses=documented(Data[PaymentRequestAnswer], pending=True, errors=(403, 409, 424, 503)),
)
def request_payment(
    payment_app: PaymentAppId,
    request: Annotated[PaymentRequest, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Response[Data[PaymentRequestAnswer]]:
    event = app.current_event
    express_app = app_directory().for_merchant(payment_app, merchant_id(event), Operation.REQUEST_PAYMENT)
    status, data = express_service().request_payment_once(
        express_app, request, public_base_url(event), idempotency_key
    )
    return app.answer(status, {"data": data})


handler = lambda_handler(app)
