"""The REST API, built from the route table: resources, methods, the authorizer, gateway responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import nag
from infra.routes import GATEWAY_ERRORS, MERCHANT_AUTH_CHALLENGE, ROUTES, Auth, Function, Route

STAGE_NAME = "prod"

# Which API Gateway answer each GATEWAY_ERRORS status stands for.
RESPONSE_TYPES: dict[int, apigateway.ResponseType] = {
    401: apigateway.ResponseType.UNAUTHORIZED,  # no or bad token (the authorizer said "Unauthorized")
    403: apigateway.ResponseType.ACCESS_DENIED,  # the authorizer's policy denies this route
    404: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,  # API Gateway's answer to unknown routes
    413: apigateway.ResponseType.REQUEST_TOO_LARGE,
    429: apigateway.ResponseType.THROTTLED,
}
SERVER_ERROR = ("gateway_error", "The gateway could not complete the request")

# Routes without the merchant authorizer, each with why that is acceptable (for cdk-nag's audit trail).
# A new Auth kind must be added here deliberately; an unknown one fails synthesis.
OPEN_ROUTE_REASONS: dict[Auth, str] = {
    Auth.CLIENT_CREDENTIALS: (
        "The token endpoint is where merchants authenticate: the request itself carries the client "
        "credentials (HTTP Basic or body), which the handler checks against their scrypt hash."
    ),
    Auth.CALLBACK: (
        "Safaricom calls this route and cannot present gateway credentials; each callback URL carries "
        "its payment app's secret, which the handler checks before acting."
    ),
}


@dataclass(frozen=True)
class ApiSettings:
    throttling_rate_limit: float = 50
    throttling_burst_limit: int = 100
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    web_acl_arn: str | None = None  # an existing WAFv2 web ACL (REGIONAL scope) to attach


def error_body(code: str, message: str) -> str:
    """The gateway's stable error JSON, as an API Gateway (VTL) response template."""
    if any(char in code + message for char in "$#"):
        raise ValueError(f"VTL would interpret '$' or '#' in gateway error {code!r}: {message!r}")
    return json.dumps({"error": {"code": code, "message": message}})


class GatewayApi(Construct):
    """A REST API whose resources and methods are exactly the route table's."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handlers: Mapping[Function, lambda_.IFunction],
        authorizer: lambda_.IFunction,
        settings: ApiSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(self, "AccessLogs", retention=settings.log_retention)
        self.rest_api = apigateway.RestApi(
            self,
            "RestApi",
            description="M-Pesa payments gateway",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            # Stage logging needs the account-level CloudWatch role; CDK sets it up.
            cloud_watch_role=True,
            deploy_options=apigateway.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                throttling_rate_limit=settings.throttling_rate_limit,
                throttling_burst_limit=settings.throttling_burst_limit,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigateway.MethodLoggingLevel.INFO,
                # Request and response bodies carry phone numbers: never into execution logs.
                data_trace_enabled=False,
            ),
        )
        self._authorizer_function = authorizer
        self._authorizer: apigateway.TokenAuthorizer | None = None
        for route in ROUTES:
            self._add_route(route, handlers[route.function])
        self._add_gateway_responses()
        self._attach_web_acl(settings.web_acl_arn)
        nag.acknowledge(
            self.rest_api.node.default_child,  # type: ignore[arg-type]
            "APIG2",
            "Every handler validates its request (pydantic) and answers the gateway's own error JSON; "
            "an API Gateway validator would answer in a different shape.",
        )
        nag.acknowledge(
            self.rest_api.node.find_child("CloudWatchRole"),
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level logging role (needed for stage logs): the AWS managed policy is "
            "the one AWS documents for it and only lets API Gateway write CloudWatch Logs.",
        )

    @property
    def url(self) -> str:
        return self.rest_api.url

    def _token_authorizer(self) -> apigateway.TokenAuthorizer:
        # Created with the first merchant route: CDK rejects an authorizer attached to no method.
        if self._authorizer is None:
            self._authorizer = apigateway.TokenAuthorizer(
                self,
                "MerchantAuthorizer",
                handler=self._authorizer_function,
                identity_source=apigateway.IdentitySource.header("Authorization"),
                # The authorizer decides per token (revocation takes effect at once); handlers check
                # that the merchant owns the payment app in the path.
                results_cache_ttl=Duration.seconds(0),
            )
        return self._authorizer

    def _add_route(self, route: Route, handler: lambda_.IFunction) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
        integration = apigateway.LambdaIntegration(handler, allow_test_invoke=False)
        if route.auth is Auth.MERCHANT:
            method = resource.add_method(
                route.method,
                integration,
                authorizer=self._token_authorizer(),
                authorization_type=apigateway.AuthorizationType.CUSTOM,
            )
            nag.acknowledge(
                method,
                "COG4",
                "Merchants hold gateway-issued bearer tokens, checked by the Lambda (TOKEN) authorizer; "
                "there is no Cognito user pool.",
            )
            return
        reason = OPEN_ROUTE_REASONS.get(route.auth)
        if reason is None:
            raise ValueError(
                f"{route.method} {route.path}: no API authorization is defined for {route.auth!r}"
            )
        method = resource.add_method(
            route.method, integration, authorization_type=apigateway.AuthorizationType.NONE
        )
        nag.acknowledge(method, "APIG4", reason)
        nag.acknowledge(method, "COG4", reason)

    def _add_gateway_responses(self) -> None:
        json_content = {"Content-Type": "'application/json'"}
        for status, (code, message) in sorted(GATEWAY_ERRORS.items()):
            response_type = RESPONSE_TYPES.get(status)
            if response_type is None:
                raise ValueError(f"GATEWAY_ERRORS[{status}]: no API Gateway response type is mapped to it")
            headers = dict(json_content)
            if status == 401:  # tell the client which scheme to use (a quoted mapping expression)
                headers["WWW-Authenticate"] = f"'{MERCHANT_AUTH_CHALLENGE}'"
            self.rest_api.add_gateway_response(
                f"Gateway{status}",
                type=response_type,
                status_code=str(status),
                response_headers=headers,
                templates={"application/json": error_body(code, message)},
            )
        self.rest_api.add_gateway_response(
            "GatewayDefault5XX",
            type=apigateway.ResponseType.DEFAULT_5_XX,
            response_headers=json_content,
            templates={"application/json": error_body(*SERVER_ERROR)},
        )

    def _attach_web_acl(self, web_acl_arn: str | None) -> None:
        if web_acl_arn:
            wafv2.CfnWebACLAssociation(
                self,
                "WebAcl",
                resource_arn=self.rest_api.deployment_stage.stage_arn,
                web_acl_arn=web_acl_arn,
            )
            return
        nag.acknowledge(
            self.rest_api.deployment_stage,
            "APIG3",
            "A WAF web ACL is optional (it costs a fixed monthly fee): attach one with the webAclArn "
            "context value. Without it, stage throttling, the merchant authorizer and per-app callback "
            "secrets guard the API.",
        )
