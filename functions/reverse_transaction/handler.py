"""POST /api/pay/{payment_app}/reverseTransaction/{transaction}: ask Daraja to reverse a payment."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, path_parameter, public_base_url
from mpesa_gateway.models import Operation
from mpesa_gateway.payouts.models import ReversalRequest
from mpesa_gateway.runtime import account_service, app_directory


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant_id(event), Operation.REVERSE_TRANSACTION
    )
    request = json_body(event, ReversalRequest) if event.body else ReversalRequest()
    tracked = account_service().reverse(
        app, path_parameter(event, "transaction"), request, public_base_url(event)
    )
    return ApiResponse(tracked.http_status, {"data": tracked.data()})
