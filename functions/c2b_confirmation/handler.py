"""POST /api/pay/{payment_app}/callback/confirmation?secret=...: a C2B payment went through."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import c2b_service

app = daraja_callback(
    "/api/pay/<payment_app>/callback/confirmation",
    summary="Daraja's C2B confirmation: a customer paid the app's short code",
    receive=lambda app_id, secret, body: c2b_service().confirm(app_id, secret, body),
)
handler = lambda_handler(app)
