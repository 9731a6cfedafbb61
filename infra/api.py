"""The REST API, built from the route table: resources, methods, the authorizer, gateway responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import nag
from infra.protection import (
    DEFAULT_ROUTE_THROTTLES,
    GatewayWebAcl,
    Throttle,
    WafSettings,
    callback_source_policy,
)
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
# WAF's answer to a callback from a source outside the allow-list.
SOURCE_FORBIDDEN = ("source_forbidden", "Requests from this source may not call this route")

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


# Execution logs and metrics of every method. Request and response bodies carry phone numbers: never
# into execution logs.
class MethodLogging(TypedDict):
    """The settings a stage and each of its methods share (keyword arguments of both option structs)."""

    logging_level: apigateway.MethodLoggingLevel
    metrics_enabled: bool
    data_trace_enabled: bool


STAGE_METHOD_LOGGING = MethodLogging(
    logging_level=apigateway.MethodLoggingLevel.INFO,
    metrics_enabled=True,
    data_trace_enabled=False,
)


@dataclass(frozen=True)
class MerchantPlanSettings:
    """The merchants' usage plan: a budget per merchant (per API key), on top of the per-method ones.

    API Gateway applies a usage plan only to methods that require an API key. With `api_keys_required`
    the merchant methods do, and the authorizer names the merchant's key (`usageIdentifierKey`, API key
    source AUTHORIZER): each merchant then needs an API key in this plan whose value is
    `usage_key_prefix + merchant id` (README: "Protecting callbacks and limits")."""

    throttle: Throttle = field(default_factory=lambda: Throttle(rate_limit=20, burst_limit=40))
    quota: int | None = None  # requests per quota_period; None: no quota
    quota_period: apigateway.Period = apigateway.Period.DAY
    api_keys_required: bool = False
    usage_key_prefix: str = "mpesa-gateway-merchant-"

    def __post_init__(self) -> None:
        if self.quota is not None and self.quota <= 0:
            raise ValueError(f"a usage plan quota must be positive, not {self.quota}")


@dataclass(frozen=True)
class ApiSettings:
    route_throttles: Mapping[Auth, Throttle] = field(default_factory=lambda: dict(DEFAULT_ROUTE_THROTTLES))
    merchant_plan: MerchantPlanSettings = field(default_factory=MerchantPlanSettings)
    # Safaricom's callback source addresses (CIDRs): callback routes refuse every other source.
    callback_source_ips: tuple[str, ...] = ()
    waf: WafSettings | None = None  # the gateway's own web ACL (wafEnabled)
    web_acl_arn: str | None = None  # or an existing WAFv2 web ACL (REGIONAL scope) to attach
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    # How long API Gateway keeps the merchant authorizer's answer per token (0: asks it on every call).
    merchant_authorizer_cache_seconds: int = 0

    def __post_init__(self) -> None:
        if self.waf is not None and self.web_acl_arn:
            raise ValueError("a stage takes one web ACL: set wafEnabled or webAclArn, not both")


def method_options(route_throttles: Mapping[Auth, Throttle]) -> dict[str, apigateway.MethodDeploymentOptions]:
    """Stage method settings: each route's throttle by its class. Each repeats the stage's logging and
    metrics settings, so that no method's own settings leave them out."""
    options = {}
    for route in ROUTES:
        throttle = route_throttles.get(route.auth)
        if throttle is None:
            raise ValueError(f"{route.method} {route.path}: no throttle is defined for {route.auth!r}")
        options[f"{route.path}/{route.method}"] = apigateway.MethodDeploymentOptions(
            throttling_rate_limit=throttle.rate_limit,
            throttling_burst_limit=throttle.burst_limit,
            **STAGE_METHOD_LOGGING,
        )
    return options


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
        self.settings = settings
        self.rest_api = apigateway.RestApi(
            self,
            "RestApi",
            description="M-Pesa payments gateway",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            policy=callback_source_policy(settings.callback_source_ips)
            if settings.callback_source_ips
            else None,
            # Usage plans identify the merchant by the key the authorizer names, never by a client header.
            api_key_source_type=apigateway.ApiKeySourceType.AUTHORIZER,
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
                # No stage-wide throttle: every method has its route class's own (method_options),
                # so a flood of one route cannot spend another's budget.
                method_options=method_options(settings.route_throttles),
                tracing_enabled=True,
                **STAGE_METHOD_LOGGING,
            ),
        )
        self._authorizer_function = authorizer
        self._authorizer: apigateway.TokenAuthorizer | None = None
        for route in ROUTES:
            self._add_route(route, handlers[route.function])
        self._add_gateway_responses()
        self.merchant_plan = self._add_merchant_plan(settings.merchant_plan)
        self.web_acl = self._attach_web_acl()
        nag.acknowledge(
            self.rest_api,  # APIG2 is found on the API's CfnRestApi, below it
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
                # The policy allows every route (handlers check that the merchant owns the payment app
                # in the path), so API Gateway may keep it per token: with a TTL a call within it costs
                # no authorizer run and no merchant read, but a disabled merchant or an expired token
                # keeps working until the answer expires. 0 (the default): revocation takes effect at once.
                results_cache_ttl=Duration.seconds(self.settings.merchant_authorizer_cache_seconds),
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
                api_key_required=self.settings.merchant_plan.api_keys_required,
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

    def _add_merchant_plan(self, plan: MerchantPlanSettings) -> apigateway.UsagePlan:
        return self.rest_api.add_usage_plan(
            "MerchantUsagePlan",
            description="Each merchant's budget on merchant routes: its API key, named by the authorizer",
            throttle=apigateway.ThrottleSettings(
                rate_limit=plan.throttle.rate_limit, burst_limit=plan.throttle.burst_limit
            ),
            quota=(
                apigateway.QuotaSettings(limit=plan.quota, period=plan.quota_period)
                if plan.quota is not None
                else None
            ),
            api_stages=[
                apigateway.UsagePlanPerApiStage(api=self.rest_api, stage=self.rest_api.deployment_stage)
            ],
        )

    def _attach_web_acl(self) -> GatewayWebAcl | None:
        settings = self.settings
        web_acl: GatewayWebAcl | None = None
        web_acl_arn = settings.web_acl_arn
        if settings.waf is not None:
            web_acl = GatewayWebAcl(
                self,
                "Waf",
                settings=settings.waf,
                metric_prefix="MpesaGateway",
                response_bodies={
                    403: error_body(*SOURCE_FORBIDDEN),
                    429: error_body(*GATEWAY_ERRORS[429]),
                },
            )
            web_acl_arn = web_acl.web_acl.attr_arn
        if web_acl_arn:
            wafv2.CfnWebACLAssociation(
                self,
                "WebAcl",
                resource_arn=self.rest_api.deployment_stage.stage_arn,
                web_acl_arn=web_acl_arn,
            )
            return web_acl
        nag.acknowledge(
            self.rest_api.deployment_stage,
            "APIG3",
            "A WAF web ACL is optional (it costs a fixed monthly fee): turn on the gateway's own with the "
            "wafEnabled context value, or attach one with webAclArn. Without it, per-route throttles, the "
            "merchant authorizer, per-app callback secrets and the optional callback source allow-list "
            "guard the API.",
        )
        return None
