"""POST /api/pay/{payment_app}/extractTransaction: M-Pesa confirmation SMS to stored transactions."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.answers import SmsRefusal, SmsTransaction
from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
)
from mpesa_gateway.models import Operation
from mpesa_gateway.personal.models import ExtractRequest
from mpesa_gateway.runtime import app_directory, personal_service

app = GatewayResolver()


class Extracted(Data[SmsTransaction | list[SmsTransaction | SmsRefusal]]):
    """One message's transaction, or a batch's: each message's transaction or why it is not one."""


@app.post(
    "/api/pay/<payment_app>/extractTransaction",
    summary="Read M-Pesa confirmation SMS (one, or a batch of up to 100) into transactions",
    tags=["M-Pesa Personal"],
    security=MERCHANT,
    responses=documented(Extracted, errors=(403, 422)),
)
def extract_transaction(
    payment_app: PaymentAppId, request: Annotated[ExtractRequest, Body()]
) -> Response[Extracted]:
    personal_app = app_directory().for_merchant(
        payment_app, merchant_id(app.current_event), Operation.EXTRACT_TRANSACTION
    )
    return app.answer(200, {"data": personal_service().extract(personal_app, request)})


handler = lambda_handler(app)
