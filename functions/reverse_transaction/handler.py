"""POST /api/pay/{payment_app}/reverseTransaction/{transaction}: ask Daraja to reverse a payment."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway import idempotency
from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, path_parameter, public_base_url
from mpesa_gateway.models import Operation
from mpesa_gateway.payouts.models import ReversalRequest
from mpesa_gateway.runtime import account_service, app_directory


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    merchant = merchant_id(event)
    app = app_directory().for_merchant(
        path_parameter(event, "payment_app"), merchant, Operation.REVERSE_TRANSACTION
    )
    request = json_body(event, ReversalRequest) if event.body else ReversalRequest()
    reference = path_parameter(event, "transaction")

    def reverse(scope: str | None) -> tuple[int, dict]:
        tracked = account_service().reverse(app, reference, request, public_base_url(event), scope)
        return tracked.http_status, tracked.data()

    status, data = idempotency.replayed(
        key=idempotency.parse_key(event.headers.get(idempotency.HEADER)),
        merchant_id=merchant,
        operation="reverseTransaction",
        app_id=app.app_id,
        payload={"transaction": reference, **request.model_dump(mode="json")},
        run=reverse,
    )
    return ApiResponse(status, {"data": data})
