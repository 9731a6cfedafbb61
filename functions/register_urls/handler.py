"""POST /api/pay/{payment_app}/registerUrls: register the gateway's C2B URLs with Daraja."""

from aws_lambda_powertools.event_handler import Response

from mpesa_gateway.answers import DarajaAcknowledgement
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
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, c2b_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/registerUrls",
    summary="Register the gateway's C2B validation and confirmation URLs for the app's short code",
    tags=["C2B"],
    security=MERCHANT,
    responses=documented(Data[DarajaAcknowledgement], errors=(403, 409, 424, 503)),
)
def register_urls(payment_app: PaymentAppId) -> Response[Data[DarajaAcknowledgement]]:
    event = app.current_event
    c2b_app = app_directory().for_merchant(payment_app, merchant_id(event), Operation.REGISTER_URLS)
    return app.answer(200, {"data": c2b_service().register_urls(c2b_app, public_base_url(event))})


handler = lambda_handler(app)
