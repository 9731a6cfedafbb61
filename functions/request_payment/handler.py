"""POST /api/pay/{payment_app}/requestPayment: send an STK push (replayed per Idempotency-Key)."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway import idempotency
from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, path_parameter, public_base_url
from mpesa_gateway.express import operations
from mpesa_gateway.express.models import PaymentRequest


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    request = json_body(event, PaymentRequest)
    status, data = operations.request_payment(
        app_id=path_parameter(event, "payment_app"),
        merchant_id=merchant_id(event),
        request=request,
        base_url=public_base_url(event),
        idempotency_key=idempotency.parse_key(event.headers.get(idempotency.HEADER)),
    )
    return ApiResponse(status, {"data": data})
