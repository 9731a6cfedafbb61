"""POST /api/pay/{payment_app}/pullTransactions: record the C2B payments of a window whose confirmation
never came (Daraja's Pull Transactions; the same transaction id a confirmation gives, so nothing twice)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
)
from mpesa_gateway.c2b.pull import PullRequest, PullSummary
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, pull_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/pullTransactions",
    summary="Record the C2B payments of the last 48 hours (or a window of them) the gateway never saw",
    tags=["C2B"],
    security=MERCHANT,
    responses=documented(Data[PullSummary], errors=(403, 424, 503)),
)
def pull_transactions(
    payment_app: PaymentAppId, request: Annotated[PullRequest | None, Body()] = None
) -> Response[Data[PullSummary]]:
    event = app.current_event
    c2b_app = app_directory().for_merchant(payment_app, merchant_id(event), Operation.PULL_TRANSACTIONS)
    summary = pull_service().pull(c2b_app, request or PullRequest(), public_base_url(event))
    return app.answer(200, {"data": summary})


handler = lambda_handler(app)
