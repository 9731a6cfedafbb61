"""POST /api/pay/{payment_app}/callback/timeout?secret=...: Daraja's timeout for a tracked request."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import result_service

app = daraja_callback(
    "/api/pay/<payment_app>/callback/timeout",
    summary="Daraja's queue timeout for a payout, reversal, status or balance request",
    receive=lambda app_id, secret, body: result_service().timeout(app_id, secret, body),
)
handler = lambda_handler(app)
