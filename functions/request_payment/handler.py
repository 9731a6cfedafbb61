"""POST /api/pay/{payment_app}/requestPayment: send an STK push (replayed per Idempotency-Key)."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway import idempotency
from mpesa_gateway.api import (
    ApiResponse,
    endpoint,
    json_body,
    merchant_id,
    path_parameter,
    public_base_url,
)
from mpesa_gateway.express.models import PaymentRequest
from mpesa_gateway.runtime import express_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    request = json_body(event, PaymentRequest)
    key = idempotency.parse_key(event.headers.get(idempotency.HEADER))
    app_id, merchant = path_parameter(event, "payment_app"), merchant_id(event)

    def push() -> dict:
        requested = express_service().request_payment(app_id, merchant, request, public_base_url(event))
        return {"status": requested.http_status, "body": {"data": requested.data()}}

    answer = idempotency.once(
        key=key,
        merchant_id=merchant,
        operation="requestPayment",
        app_id=app_id,
        payload=request.model_dump(mode="json"),
        run=push,
    )
    return ApiResponse(answer["status"], answer["body"])
