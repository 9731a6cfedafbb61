"""GET /api/pay/{payment_app}/getTransactionStatus/{transaction}: ask Daraja about a transaction."""

from aws_lambda_powertools.event_handler import Response

from mpesa_gateway.answers import AsyncRequestAnswer
from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    TransactionReference,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
)
from mpesa_gateway.models import VODACOM_DRIVERS, Operation
from mpesa_gateway.runtime import account_service, app_directory, vodacom_service

app = GatewayResolver()


@app.get(
    "/api/pay/<payment_app>/getTransactionStatus/<transaction>",
    summary="Ask Daraja for a transaction's status; the answer arrives as a result and settles it",
    tags=["Account"],
    security=MERCHANT,
    responses=documented(Data[AsyncRequestAnswer], pending=True, errors=(403, 404, 424, 503)),
)
def transaction_status(
    payment_app: PaymentAppId, transaction: TransactionReference
) -> Response[Data[AsyncRequestAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.TRANSACTION_STATUS)
    if found.driver in VODACOM_DRIVERS:  # Vodacom answers at once, and its answer settles a pending one
        return app.answer(200, {"data": vodacom_service().transaction_status(found, transaction)})
    tracked = account_service().status(found, transaction, public_base_url(event))
    return app.answer(tracked.http_status, {"data": tracked.data()})


handler = lambda_handler(app)
