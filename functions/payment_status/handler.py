"""GET /api/pay/{payment_app}/checkPaymentRequestStatus/{transaction}."""

from aws_lambda_powertools.event_handler import Response

from mpesa_gateway.answers import PaymentStatusAnswer
from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    TransactionReference,
    documented,
    lambda_handler,
    merchant_id,
)
from mpesa_gateway.models import VODACOM_DRIVERS, Operation
from mpesa_gateway.runtime import app_directory, express_service, vodacom_service

app = GatewayResolver()


@app.get(
    "/api/pay/<payment_app>/checkPaymentRequestStatus/<transaction>",
    summary="An STK push's status; while it is pending, Daraja is asked (at most every 3 s)",
    tags=["M-Pesa Express"],
    security=MERCHANT,
    responses=documented(Data[PaymentStatusAnswer], errors=(403, 404)),
)
def payment_status(
    payment_app: PaymentAppId, transaction: TransactionReference
) -> Response[Data[PaymentStatusAnswer]]:
    found = app_directory().for_merchant(
        payment_app, merchant_id(app.current_event), Operation.PAYMENT_STATUS
    )
    if found.driver in VODACOM_DRIVERS:
        status = vodacom_service().payment_status(found, transaction)
    else:
        status = express_service().payment_status(found, transaction)
    return app.answer(200, {"data": status})


handler = lambda_handler(app)
