"""POST /api/pay/{payment_app}/sendMoney: B2C or B2B by the app's driver (replayed per Idempotency-Key)."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway import idempotency
from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, path_parameter, public_base_url
from mpesa_gateway.models import Operation
from mpesa_gateway.payouts.service import REQUEST_MODELS
from mpesa_gateway.runtime import app_directory, payout_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    merchant = merchant_id(event)
    app = app_directory().for_merchant(path_parameter(event, "payment_app"), merchant, Operation.SEND_MONEY)
    request = json_body(event, REQUEST_MODELS[app.driver])

    def send(scope: str | None) -> tuple[int, dict]:
        tracked = payout_service().send_money(app, request, public_base_url(event), scope)
        return tracked.http_status, tracked.data()

    status, data = idempotency.replayed(
        key=idempotency.parse_key(event.headers.get(idempotency.HEADER)),
        merchant_id=merchant,
        operation="sendMoney",
        app_id=app.app_id,
        payload=request.model_dump(mode="json"),
        run=send,
    )
    return ApiResponse(status, {"data": data})
