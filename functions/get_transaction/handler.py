"""GET /api/pay/{payment_app}/transactions/{transaction}: one transaction of any type."""

from aws_lambda_powertools.event_handler import Response

from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    TransactionReference,
    documented,
    lambda_handler,
    merchant_id,
)
from mpesa_gateway.ledger import transaction_view
from mpesa_gateway.models import Operation, TransactionView
from mpesa_gateway.runtime import app_directory, ledger

app = GatewayResolver()


@app.get(
    "/api/pay/<payment_app>/transactions/<transaction>",
    summary="One transaction of any type, by the gateway's id, a CheckoutRequestID or an M-Pesa receipt",
    tags=["Transactions"],
    security=MERCHANT,
    responses=documented(Data[TransactionView], errors=(403, 404)),
)
def get_transaction(
    payment_app: PaymentAppId, transaction: TransactionReference
) -> Response[Data[TransactionView]]:
    found = app_directory().for_merchant(
        payment_app, merchant_id(app.current_event), Operation.LIST_TRANSACTIONS
    )
    return app.answer(200, {"data": transaction_view(ledger().find(found.app_id, transaction))})


handler = lambda_handler(app)
