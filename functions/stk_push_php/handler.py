"""POST /api/stk_push.php: the first seed's STK push, over the same logic as requestPayment."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway import idempotency
from mpesa_gateway.api import (
    ApiResponse,
    endpoint,
    form_or_json_body,
    merchant_id,
    public_base_url,
    seed_envelope,
)
from mpesa_gateway.express import operations
from mpesa_gateway.express.models import LegacyStkPushRequest
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory


@endpoint(error_envelope=seed_envelope)
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    legacy = form_or_json_body(event, LegacyStkPushRequest)
    merchant = merchant_id(event)
    app = app_directory().named_or_first(legacy.app, merchant, Operation.REQUEST_PAYMENT)
    status, data = operations.request_payment(
        app_id=app.app_id,
        merchant_id=merchant,
        request=legacy.payment(),
        base_url=public_base_url(event),
        idempotency_key=idempotency.parse_key(event.headers.get(idempotency.HEADER)),
    )
    return ApiResponse(status, seed_envelope(status, {"response": data}))
