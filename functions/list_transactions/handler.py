"""GET /api/pay/{payment_app}/transactions: an app's transactions of every type, newest first."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, merchant_id, path_parameter, validate
from mpesa_gateway.ledger import ListQuery
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, ledger


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    query = validate(ListQuery, dict(event.query_string_parameters or {}))
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.LIST_TRANSACTIONS
    )
    return ApiResponse(200, ledger().page(app.app_id, query))
