"""GET /api/pay/{payment_app}/transactions/{transaction}: one transaction of any type."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, merchant_id, path_parameter
from mpesa_gateway.ledger import transaction_view
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, ledger


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.LIST_TRANSACTIONS
    )
    transaction = ledger().find(app.app_id, path_parameter(event, "transaction"))
    return ApiResponse(200, {"data": transaction_view(transaction)})
