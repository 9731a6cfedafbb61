"""POST /api/pay/{payment_app}/registerUrls: register the gateway's C2B URLs with Daraja."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, merchant_id, path_parameter, public_base_url
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, c2b_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.REGISTER_URLS
    )
    return ApiResponse(200, {"data": c2b_service().register_urls(app, public_base_url(event))})
