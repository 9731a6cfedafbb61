"""GET /api/pay/{payment_app}/transactions: an app's transactions of every type, newest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from mpesa_gateway.answers import TransactionPage
from mpesa_gateway.api import (
    MERCHANT,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
    refuse_undeclared_query,
)
from mpesa_gateway.ledger import ListQuery
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, ledger

app = GatewayResolver()


@app.get(
    "/api/pay/<payment_app>/transactions",
    summary="The app's transactions of every type, newest first, a page at a time",
    tags=["Transactions"],
    security=MERCHANT,
    responses=documented(TransactionPage, errors=(403,)),
)
def list_transactions(
    payment_app: PaymentAppId, query: Annotated[ListQuery, Query()]
) -> Response[TransactionPage]:
    refuse_undeclared_query(app.current_event, ListQuery)
    found = app_directory().for_merchant(
        payment_app, merchant_id(app.current_event), Operation.LIST_TRANSACTIONS
    )
    return app.answer(200, ledger().page(found.app_id, query))


handler = lambda_handler(app)
