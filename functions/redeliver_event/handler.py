"""POST /api/pay/{payment_app}/events/{event}/redeliver: send an event to the app's endpoint again."""

from aws_lambda_powertools.event_handler import Response

from mpesa_gateway.api import (
    MERCHANT,
    Data,
    EventId,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
)
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, webhook_service
from mpesa_gateway.webhook_answers import RedeliveryAnswer

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/events/<event>/redeliver",
    summary="Queue the event for delivery again, with the same id and body",
    tags=["Webhooks"],
    security=MERCHANT,
    responses=documented(Data[RedeliveryAnswer], status=202, errors=(403, 404)),
)
def redeliver_event(payment_app: PaymentAppId, event: EventId) -> Response[Data[RedeliveryAnswer]]:
    found = app_directory().for_merchant(payment_app, merchant_id(app.current_event), Operation.WEBHOOKS)
    return app.answer(202, {"data": webhook_service().redeliver(found, event)})


handler = lambda_handler(app)
