"""POST /api/pay/{payment_app}/reverseTransaction/{transaction}: ask Daraja to reverse a payment."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway import idempotency
from mpesa_gateway.answers import AsyncRequestAnswer
from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    IdempotencyKey,
    PaymentAppId,
    TransactionReference,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
)
from mpesa_gateway.models import VODACOM_DRIVERS, Operation
from mpesa_gateway.payouts.models import ReversalRequest
from mpesa_gateway.runtime import account_service, app_directory, vodacom_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/reverseTransaction/<transaction>",
    summary="Ask Daraja to reverse a completed transaction (one reversal at a time per transaction)",
    tags=["Account"],
    security=MERCHANT,
    responses=documented(Data[AsyncRequestAnswer], pending=True, errors=(403, 404, 409, 424, 503)),
)
def reverse_transaction(
    payment_app: PaymentAppId,
    transaction: TransactionReference,
    request: Annotated[ReversalRequest | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response[Data[AsyncRequestAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.REVERSE_TRANSACTION)
    reversal = request or ReversalRequest()

    def reverse(scope: str | None) -> tuple[int, dict[str, Any]]:
        if found.driver in VODACOM_DRIVERS:  # Vodacom answers at once; its reversal takes no remarks
            status, answer = vodacom_service().reverse(found, transaction, scope)
            return status, answer.model_dump(mode="json")
        tracked = account_service().reverse(found, transaction, reversal, public_base_url(event), scope)
        return tracked.http_status, tracked.data().model_dump(mode="json")

    status, data = idempotency.replayed(
        key=idempotency_key,
        app=found,
        operation=Operation.REVERSE_TRANSACTION,
        payload={"transaction": transaction, **reversal.model_dump(mode="json")},
        run=reverse,
    )
    return app.answer(status, {"data": data})


handler = lambda_handler(app)
