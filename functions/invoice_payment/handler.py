"""POST /api/pay/{payment_app}/callback/billManager?secret=...: Bill Manager's payment notification."""

from mpesa_gateway.api import daraja_callback, lambda_handler
from mpesa_gateway.billmanager.models import PaymentAck
from mpesa_gateway.runtime import app_directory, bill_manager_service

app = daraja_callback(
    app_directory,
    "/api/pay/<payment_app>/callback/billManager",
    summary="Bill Manager's payment notification: an invoice was paid",
    receive=lambda payment_app, body: bill_manager_service().handle_payment(payment_app, body),
    answer=PaymentAck,
)
handler = lambda_handler(app)
