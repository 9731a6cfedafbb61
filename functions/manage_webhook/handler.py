"""PUT, GET, DELETE /api/pay/{payment_app}/webhook and POST .../webhook/rotateSecret: an app's webhook."""

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
)
from mpesa_gateway.events.service import WebhookRequest
from mpesa_gateway.models import Operation, PaymentApp
from mpesa_gateway.runtime import app_directory, webhook_service
from mpesa_gateway.webhook_answers import WebhookAnswer

app = GatewayResolver()
ROUTE = "/api/pay/<payment_app>/webhook"


def _owned(payment_app: str) -> PaymentApp:
    return app_directory().for_merchant(payment_app, merchant_id(app.current_event), Operation.WEBHOOKS)


@app.put(
    ROUTE,
    summary="Send the app's events to a URL (created with a signing secret, shown once)",
    tags=["Webhooks"],
    security=MERCHANT,
    responses=documented(Data[WebhookAnswer], errors=(403,)),
)
def set_webhook(
    payment_app: PaymentAppId, request: Annotated[WebhookRequest, Body()]
) -> Response[Data[WebhookAnswer]]:
    return app.answer(200, {"data": webhook_service().set_endpoint(_owned(payment_app), request)})


@app.get(
    ROUTE,
    summary="The app's webhook endpoint (never its secret)",
    tags=["Webhooks"],
    security=MERCHANT,
    responses=documented(Data[WebhookAnswer], errors=(403, 404)),
)
def get_webhook(payment_app: PaymentAppId) -> Response[Data[WebhookAnswer]]:
    return app.answer(200, {"data": webhook_service().endpoint(_owned(payment_app))})


@app.delete(
    ROUTE,
    summary="Stop sending the app's events; answers the endpoint that was removed",
    tags=["Webhooks"],
    security=MERCHANT,
    responses=documented(Data[WebhookAnswer], errors=(403, 404)),
)
def delete_webhook(payment_app: PaymentAppId) -> Response[Data[WebhookAnswer]]:
    return app.answer(200, {"data": webhook_service().delete_endpoint(_owned(payment_app))})


@app.post(
    f"{ROUTE}/rotateSecret",
    summary="A new signing secret; the old one also signs for 24 hours",
    tags=["Webhooks"],
    security=MERCHANT,
    responses=documented(Data[WebhookAnswer], errors=(403, 404)),
)
def rotate_webhook_secret(payment_app: PaymentAppId) -> Response[Data[WebhookAnswer]]:
    return app.answer(200, {"data": webhook_service().rotate_secret(_owned(payment_app))})


handler = lambda_handler(app)
