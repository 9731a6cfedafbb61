"""ANY /api/pay/{payment_app}/validateTransaction?secret=...: Daraja asks whether to accept a C2B payment."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, path_parameter, query_parameter
from mpesa_gateway.runtime import c2b_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    answer = c2b_service().validate(
        path_parameter(event, "payment_app"), query_parameter(event, "secret"), event.decoded_body
    )
    return ApiResponse(200, answer)
