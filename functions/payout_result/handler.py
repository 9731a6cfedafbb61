"""POST /api/pay/{payment_app}/callback/result?secret=...: Daraja's result for a tracked request."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import app_directory, result_service

app = daraja_callback(
    app_directory,
    "/api/pay/<payment_app>/callback/result",
    summary="Daraja's result for a payout, reversal, status or balance request",
    receive=lambda payment_app, body: result_service().result(payment_app, body),
)
handler = lambda_handler(app)
