"""POST /api/generate_token (and the seed's /api/generate_token.php): OAuth 2.0 client credentials."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header

from mpesa_gateway.answers import TokenAnswer
from mpesa_gateway.api import CLIENT, BodyKind, GatewayResolver, documented, lambda_handler, validate
from mpesa_gateway.auth import ClientCredentials, basic_credentials
from mpesa_gateway.errors import InvalidClient, InvalidRequest
from mpesa_gateway.runtime import merchant_authenticator, merchant_tokens


def token_error(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"success": False, **body}


app = GatewayResolver(error_envelope=token_error, body=BodyKind.JSON_OR_FORM)
Authorization = Annotated[
    str | None, Header(alias="Authorization", max_length=1024, description="Basic: client_id:client_secret")
]


@app.post(
    "/api/generate_token.php",
    summary="The first seed's token route: the same as /api/generate_token",
    tags=["Tokens"],
    security=CLIENT,
    responses=documented(TokenAnswer, errors=(401, 415)),
)
@app.post(
    "/api/generate_token",
    summary="A merchant bearer token for client credentials (HTTP Basic, or client_id and client_secret)",
    tags=["Tokens"],
    security=CLIENT,
    responses=documented(TokenAnswer, errors=(401, 415)),
)
def generate_token(
    authorization: Authorization = None, body: Annotated[ClientCredentials | None, Body()] = None
) -> Response[TokenAnswer]:
    basic = basic_credentials(authorization)
    if basic is not None:
        credentials = validate(ClientCredentials, {"client_id": basic[0], "client_secret": basic[1]})
    elif body is not None:
        credentials = body
    else:
        raise InvalidRequest(
            "Give client credentials: HTTP Basic, or client_id and client_secret in the body"
        )
    merchant = merchant_authenticator().verify_client(credentials)
    if merchant is None:
        raise InvalidClient("Unknown client, wrong client secret, or a disabled merchant")
    issued = merchant_tokens().issue(merchant)
    token = {"token": issued.token, "access_token": issued.token, "token_type": "Bearer"}
    return app.answer(200, {"success": True, **token, "expires_in": issued.expires_in})


handler = lambda_handler(app)
