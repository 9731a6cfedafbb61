"""POST /api/pay/{payment_app}/validateTransaction?secret=...: Daraja asks whether to accept a C2B payment."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.runtime import app_directory, c2b_service

app = daraja_callback(
    app_directory,
    "/api/pay/<payment_app>/validateTransaction",
    summary="Daraja's C2B validation request: accepted or refused by the app's rules",
    receive=lambda payment_app, body: c2b_service().validate(payment_app, body),
)
handler = lambda_handler(app)
