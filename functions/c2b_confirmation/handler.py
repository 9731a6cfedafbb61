"""POST /api/pay/{payment_app}/callback/confirmation?secret=...: a C2B payment went through."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import app_directory, c2b_service

app = daraja_callback(
    app_directory,
    "/api/pay/<payment_app>/callback/confirmation",
    summary="Daraja's C2B confirmation: a customer paid the app's short code",
    receive=lambda payment_app, body: c2b_service().confirm(payment_app, body),
)
handler = lambda_handler(app)
