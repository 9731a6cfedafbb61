"""POST /api/pay/{payment_app}/sendMoney: B2C or B2B by the app's driver (replayed per Idempotency-Key)."""

from typing import Annotated

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
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
    validate,
)
from mpesa_gateway.models import VODACOM_DRIVERS, Operation
from mpesa_gateway.payouts.models import Payout
from mpesa_gateway.payouts.service import REQUEST_MODELS
from mpesa_gateway.runtime import app_directory, payout_service, vodacom_service
from mpesa_gateway.vodacom.models import VodacomB2BRequest, VodacomB2CRequest, VodacomPayout

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/sendMoney",
    summary="Pay a phone number (MpesaKeB2C apps) or another business (MpesaKeB2B apps); MpesaTz and "
    "MpesaCongo apps: either, by the body's shape",
    tags=["Payouts"],
    security=MERCHANT,
    responses=documented(Data[AsyncRequestAnswer], pending=True, errors=(403, 409, 424, 503)),
)
def send_money(
    payment_app: PaymentAppId,
    payout: Annotated[Payout | VodacomPayout, Body(union_mode="left_to_right")],
    idempotency_key: IdempotencyKey = None,
) -> Response[Data[AsyncRequestAnswer]]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.SEND_MONEY)
    if found.driver in VODACOM_DRIVERS:
        body = event.json_body  # as sent: the documented union may have normalised a Kenyan-looking number
        model: type[VodacomB2BRequest | VodacomB2CRequest] = (
            VodacomB2BRequest if "receiver_party_code" in body else VodacomB2CRequest
        )
        vodacom_payout = validate(model, body)
        status, data = vodacom_service().send_money_once(found, vodacom_payout, idempotency_key)
        return app.answer(status, {"data": data})
    # The body's shape must be the one this app's driver sends (a B2C app pays phone numbers).
    request = validate(REQUEST_MODELS[found.driver], payout.model_dump(exclude_unset=True))

    status, data = idempotency.replayed_start(
        key=idempotency_key,
        app=found,
        operation=Operation.SEND_MONEY,
        request=request,
        start=lambda scope: payout_service().send_money(found, request, public_base_url(event), scope),
    )
    return app.answer(status, {"data": data})


handler = lambda_handler(app)
