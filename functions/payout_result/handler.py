"""ANY /api/pay/{payment_app}/callback/result?secret=...: Daraja's result for a tracked request."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, path_parameter, query_parameter
from mpesa_gateway.runtime import result_service


@endpoint
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    ack = result_service().result(
        path_parameter(event, "payment_app"), query_parameter(event, "secret"), event.decoded_body
    )
    return ApiResponse(200, ack)
