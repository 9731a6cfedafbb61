"""POST /api/pay/{payment_app}/callback/standingOrder?secret=...: Ratiba's callback."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import app_directory, ratiba_service

app = daraja_callback(
    app_directory,
    "/api/pay/<payment_app>/callback/standingOrder",
    summary="Ratiba's callback: the customer approved or declined the standing order",
    receive=lambda payment_app, body: ratiba_service().handle_callback(payment_app, body),
)
handler = lambda_handler(app)
