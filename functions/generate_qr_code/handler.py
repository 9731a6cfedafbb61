"""POST /api/pay/{payment_app}/generateQrCode: Daraja's Dynamic QR, a code customers scan to pay."""

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
from mpesa_gateway.models import Operation
from mpesa_gateway.qr.models import QrCodeAnswer, QrCodeRequest
from mpesa_gateway.runtime import app_directory, qr_service

app = GatewayResolver()


@app.post(
    "/api/pay/<payment_app>/generateQrCode",
    summary="A QR code (base64 PNG) that pays a till, paybill, agent or phone when scanned "
    "(MpesaKeExpress and MpesaKeC2B apps); it moves no money itself",
    tags=["QR codes"],
    security=MERCHANT,
    responses=documented(Data[QrCodeAnswer], errors=(403, 424, 503)),
)
def generate_qr_code(
    payment_app: PaymentAppId, request: Annotated[QrCodeRequest, Body()]
) -> Response[Data[QrCodeAnswer]]:
    found = app_directory().for_merchant(
        payment_app, merchant_id(app.current_event), Operation.GENERATE_QR_CODE
    )
    return app.answer(200, {"data": qr_service().generate(found, request)})


handler = lambda_handler(app)
