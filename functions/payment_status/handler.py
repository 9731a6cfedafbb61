"""GET /api/pay/{payment_app}/checkPaymentRequestStatus/{transaction}."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, merchant_id, path_parameter
from mpesa_gateway.runtime import express_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    status = express_service().payment_status(
        path_parameter(event, "payment_app"), merchant_id(event), path_parameter(event, "transaction")
    )
    return ApiResponse(200, {"data": status})
