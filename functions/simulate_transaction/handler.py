"""POST /api/pay/{payment_app}/simulateTransaction: a sandbox customer pays the app's short code."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, path_parameter
from mpesa_gateway.c2b.models import SimulateRequest
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, c2b_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    request = json_body(event, SimulateRequest)
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.SIMULATE_TRANSACTION
    )
    return ApiResponse(200, {"data": c2b_service().simulate(app, request)})
