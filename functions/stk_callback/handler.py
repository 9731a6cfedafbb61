"""POST /api/pay/{payment_app}/callback?secret=...: Safaricom's STK callback."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import express_service

app = daraja_callback(
    "/api/pay/<payment_app>/callback",
    summary="Safaricom's STK callback: the push's outcome",
    receive=lambda app_id, secret, body: express_service().handle_callback(app_id, secret, body),
)
handler = lambda_handler(app)
