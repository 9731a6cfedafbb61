"""GET /api/pay/{payment_app}/checkBalance: Daraja's Account Balance, or (Personal) the newest SMS's."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, merchant_id, path_parameter, public_base_url
from mpesa_gateway.models import Driver, Operation
from mpesa_gateway.runtime import account_service, app_directory, personal_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.CHECK_BALANCE
    )
    if app.driver is Driver.PERSONAL:
        return ApiResponse(200, {"data": {**personal_service().latest_balance(app), "currency": "KES"}})
    tracked = account_service().balance(app, public_base_url(event))
    return ApiResponse(tracked.http_status, {"data": tracked.data()})
