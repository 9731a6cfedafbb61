"""GET /api/pay/{payment_app}/getTransactionStatus/{transaction}: ask Daraja about a transaction."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, merchant_id, path_parameter, public_base_url
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import account_service, app_directory


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.TRANSACTION_STATUS
    )
    tracked = account_service().status(app, path_parameter(event, "transaction"), public_base_url(event))
    return ApiResponse(tracked.http_status, {"data": tracked.data()})
