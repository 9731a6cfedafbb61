"""POST /api/pay/{payment_app}/extractTransaction: M-Pesa confirmation SMS to stored transactions."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, path_parameter
from mpesa_gateway.models import Operation
from mpesa_gateway.personal.models import ExtractRequest
from mpesa_gateway.runtime import app_directory, personal_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    request = json_body(event, ExtractRequest)
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.EXTRACT_TRANSACTION
    )
    return ApiResponse(200, {"data": personal_service().extract(app, request)})
