"""GET /api/pay/{payment_app}/checkBalance: for MpesaKePersonal, the balance of the newest SMS."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, merchant_id, path_parameter
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, personal_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.CHECK_BALANCE
    )
    return ApiResponse(200, {"data": {**personal_service().latest_balance(app), "currency": "KES"}})
