"""GET /api/pay/{payment_app}/events and .../events/{event}: an app's events and their deliveries."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from mpesa_gateway.api import (
    MERCHANT,
    Data,
    EventId,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
    refuse_undeclared_query,
)
from mpesa_gateway.events.service import EventsQuery
from mpesa_gateway.models import Operation, PaymentApp
from mpesa_gateway.runtime import app_directory, webhook_service
from mpesa_gateway.webhook_answers import EventAnswer, EventPage

app = GatewayResolver()


def _owned(payment_app: str) -> PaymentApp:
    return app_directory().for_merchant(payment_app, merchant_id(app.current_event), Operation.WEBHOOKS)


@app.get(
    "/api/pay/<payment_app>/events",
    summary="The app's events, newest first, a page at a time",
    tags=["Webhooks"],
    security=MERCHANT,
    responses=documented(EventPage, errors=(403,)),
)
def list_events(payment_app: PaymentAppId, query: Annotated[EventsQuery, Query()]) -> Response[EventPage]:
    refuse_undeclared_query(app.current_event, EventsQuery)
    return app.answer(200, webhook_service().events(_owned(payment_app), query))


@app.get(
    "/api/pay/<payment_app>/events/<event>",
    summary="One event and every attempt to deliver it",
    tags=["Webhooks"],
    security=MERCHANT,
    responses=documented(Data[EventAnswer], errors=(403, 404)),
)
def get_event(payment_app: PaymentAppId, event: EventId) -> Response[Data[EventAnswer]]:
    return app.answer(200, {"data": webhook_service().event(_owned(payment_app), event)})


handler = lambda_handler(app)
