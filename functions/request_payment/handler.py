"""POST /api/pay/{payment_app}/requestPayment: send an STK push."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, path_parameter, public_base_url
from mpesa_gateway.express.models import PaymentRequest
from mpesa_gateway.runtime import express_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    request = json_body(event, PaymentRequest)
    requested = express_service().request_payment(
        path_parameter(event, "payment_app"), merchant_id(event), request, public_base_url(event)
    )
    return ApiResponse(requested.http_status, {"data": requested.data()})
