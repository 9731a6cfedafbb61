"""POST /api/generate_token (and the seed's /api/generate_token.php): OAuth 2.0 client credentials."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway.api import ApiResponse, endpoint, form_or_json_body, validate
from mpesa_gateway.auth import ClientCredentials, basic_credentials
from mpesa_gateway.errors import InvalidClient
from mpesa_gateway.runtime import merchant_authenticator, merchant_tokens


def token_error(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"success": False, **body}


@endpoint(error_envelope=token_error)
def handler(event: APIGatewayProxyEvent) -> ApiResponse:
    basic = basic_credentials(event.headers.get("Authorization"))
    if basic is not None:
        credentials = validate(ClientCredentials, {"client_id": basic[0], "client_secret": basic[1]})
    else:
        credentials = form_or_json_body(event, ClientCredentials)
    merchant_id = merchant_authenticator().verify_client(credentials)
    if merchant_id is None:
        raise InvalidClient("Unknown client, wrong client secret, or a disabled merchant")
    issued = merchant_tokens().issue(merchant_id)
    return ApiResponse(
        200,
        {
            "success": True,
            "token": issued.token,
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
        },
    )
