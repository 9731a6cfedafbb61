"""POST /api/pay/{payment_app}/requestPayment: an STK push, or (MpesaTz, MpesaCongo) Vodacom's C2B
single stage, accepted at once and completed by the worker (replayed per Idempotency-Key)."""

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
    validate,
)
from mpesa_gateway.express.models import PaymentRequest
from mpesa_gateway.models import VODACOM_DRIVERS, Operation
from mpesa_gateway.runtime import app_directory, express_service, vodacom_service
from mpesa_gateway.vodacom.models import VodacomPaymentRequest

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/requestPayment",
    summary="Ask the customer to pay: an STK push (Kenya), or Vodacom's USSD push (MpesaTz, MpesaCongo: 202)",
    tags=["M-Pesa Express"],
    security=MERCHANT,
    responses=documented(Data[PaymentRequestAnswer], pending=True, errors=(403, 409, 424, 503)),
)
def request_payment(
    payment_app: PaymentAppId,
    request: Annotated[PaymentRequest | VodacomPaymentRequest, Body(union_mode="left_to_right")],
    idempotency_key: IdempotencyKey = None,
) -> Response[Data[PaymentRequestAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.REQUEST_PAYMENT)
    # The body must be the app's driver's: as sent (the documented union may have normalised a number
    # for the other market), Kenyan numbers and whole shillings for Daraja's push.
    if found.driver in VODACOM_DRIVERS:
        payment = validate(VodacomPaymentRequest, event.json_body)
        status, data = vodacom_service().request_payment_once(found, payment, idempotency_key)
    else:
        push = validate(PaymentRequest, request.model_dump(mode="json", exclude_unset=True))
        status, data = express_service().request_payment_once(
            found, push, public_base_url(event), idempotency_key
        )
    return app.answer(status, {"data": data})


handler = lambda_handler(app)
