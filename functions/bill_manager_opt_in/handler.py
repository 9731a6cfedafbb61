"""POST /api/pay/{payment_app}/billManager/optIn: opt the app's paybill in to Bill Manager."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
)
from mpesa_gateway.billmanager.models import OptInAnswer, OptInRequest
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, bill_manager_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/billManager/optIn",
    summary="Opt the app's paybill in to Bill Manager, the gateway taking its payments (MpesaKeC2B apps)",
    tags=["Bill Manager"],
    security=MERCHANT,
    responses=documented(Data[OptInAnswer], errors=(403, 424, 503)),
)
def opt_in(
    payment_app: PaymentAppId, request: Annotated[OptInRequest, Body()]
) -> Response[Data[OptInAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.BILL_MANAGER)
    answer = bill_manager_service().opt_in(found, request, public_base_url(event))
    return app.answer(200, {"data": answer})


handler = lambda_handler(app)
