"""Lambda authorizer (TOKEN type) for every merchant route: a bearer token from /api/generate_token."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerTokenEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import Unauthorized
from mpesa_gateway.observability import logger
from mpesa_gateway.runtime import merchant_authenticator


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token_event = APIGatewayAuthorizerTokenEvent(event)
    merchant_id = merchant_authenticator().verify_bearer(token_event.authorization_token)
    if merchant_id is None:
        logger.info("merchant authentication failed")
        # API Gateway turns exactly this message into a 401.
        raise Unauthorized("Unauthorized")
    arn = token_event.parsed_arn
    # The merchant's API key in the usage plan, when merchant routes require one (API key source AUTHORIZER).
    key_prefix = get_settings().merchant_api_key_prefix
    policy = APIGatewayAuthorizerResponse(
        principal_id=merchant_id,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context={"merchant_id": merchant_id},
        usage_identifier_key=f"{key_prefix}{merchant_id}" if key_prefix else None,
    )
    # Which apps a merchant may use is checked by each operation, so the policy can be cached per token.
    policy.allow_all_routes()
    return policy.asdict()
