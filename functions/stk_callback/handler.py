"""POST /api/pay/{payment_app}/callback?secret=...: Safaricom's STK callback."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import app_directory, express_service

app = daraja_callback(
    app_directory,
    "/api/pay/<payment_app>/callback",
    summary="Safaricom's STK callback: the push's outcome",
    receive=lambda payment_app, body: express_service().handle_callback(payment_app, body),
)
handler = lambda_handler(app)
