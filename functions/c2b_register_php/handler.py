"""POST /api/c2b_register.php: the first seed's C2B URL registration, over the registerUrls logic."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import (
    ApiResponse,
    endpoint,
    form_or_json_body,
    merchant_id,
    public_base_url,
    seed_envelope,
)
from mpesa_gateway.c2b.models import LegacyRegisterRequest
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, c2b_service


@endpoint(error_envelope=seed_envelope)
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    request = form_or_json_body(event, LegacyRegisterRequest, allow_empty=True)
    app = app_directory().named_or_first(request.app, merchant_id(event), Operation.REGISTER_URLS)
    answer = c2b_service().register_urls(app, public_base_url(event))
    return ApiResponse(200, seed_envelope(200, {"response": answer}))
