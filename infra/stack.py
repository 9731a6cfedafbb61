"""The gateway stack: composes the constructs, reads deploy-time settings from context, tags, outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.api import ApiSettings, GatewayApi, MerchantPlanSettings
from infra.event_sources import EventSources
from infra.functions import METRICS_NAMESPACE, SERVICE_NAME, GatewayFunctions, construct_name
from infra.layer import SharedLayer
from infra.messaging import Queues
from infra.observability import Monitoring
from infra.protection import DEFAULT_ROUTE_THROTTLES, Throttle, WafSettings, parse_cidrs
from infra.routes import (
    AUTHORIZER,
    AUTHORIZER_CACHE_MAX_SECONDS,
    PROJECT_ROOT,
    SCHEDULES,
    STREAMS,
    Auth,
    deployed_functions,
)
from infra.routes import QUEUES as QUEUE_SUBSCRIPTIONS
from infra.scheduling import Schedules
from infra.secrets import DEFAULT_PREFIX, AppSecrets, SigningKeySecret
from infra.storage import Storage

LOG_RETENTION = logs.RetentionDays.ONE_MONTH

# Context keys a deployer may set (`cdk deploy -c key=value` or cdk.json).
CONTEXT_SECRET_PREFIX = "appSecretPrefix"  # noqa: S105 (a context key, not a secret)
# Per-method throttles of each route class: (rate, burst) context keys. Merchant routes keep the keys
# that once set the whole stage's throttle.
CONTEXT_ROUTE_THROTTLES = {
    Auth.MERCHANT: ("apiThrottleRateLimit", "apiThrottleBurstLimit"),
    Auth.CALLBACK: ("callbackThrottleRateLimit", "callbackThrottleBurstLimit"),
    Auth.CLIENT_CREDENTIALS: ("tokenThrottleRateLimit", "tokenThrottleBurstLimit"),
}
# The merchants' usage plan (per merchant API key) and whether merchant routes require the key.
CONTEXT_PLAN_RATE = "merchantPlanRateLimit"
CONTEXT_PLAN_BURST = "merchantPlanBurstLimit"
CONTEXT_PLAN_QUOTA = "merchantPlanQuota"
CONTEXT_PLAN_QUOTA_PERIOD = "merchantPlanQuotaPeriod"
CONTEXT_MERCHANT_API_KEYS = "merchantApiKeys"
# Safaricom's callback source addresses: a list of CIDRs, a comma-separated string or a file.
CONTEXT_CALLBACK_SOURCE_IPS = "callbackSourceIps"
CONTEXT_WAF_ENABLED = "wafEnabled"
CONTEXT_WAF_RATE = "wafRateLimit"
CONTEXT_WAF_CALLBACK_RATE = "wafCallbackRateLimit"
CONTEXT_WEB_ACL_ARN = "webAclArn"
# Seconds API Gateway keeps the merchant authorizer's answer per token; 0 (the default) asks it every call.
CONTEXT_AUTHORIZER_CACHE = "merchantAuthorizerCacheSeconds"
# Lambda SnapStart on every function's published versions, invoked through an alias (off: its caching
# costs the same whatever the traffic; README "SnapStart for Python").
CONTEXT_SNAP_START = "snapStart"
# Safaricom's certificates (PEM text or a path), to encrypt initiator passwords into SecurityCredentials.
CONTEXT_CERTIFICATES = {
    "darajaSandboxCertificate": "DARAJA_SANDBOX_CERTIFICATE",
    "darajaLiveCertificate": "DARAJA_LIVE_CERTIFICATE",
}

TAGS = {"project": "mpesa-gateway", "component": "payments-gateway"}


class GatewayStack(Stack):
    """Storage, queues, app secrets, the shared layer, one Lambda per function, the REST API, schedules,
    event sources, alarms."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.storage = Storage(self, "Storage")
        self.queues = Queues(self, "Queues")
        self.secrets = AppSecrets(
            self, "AppSecrets", prefix=str(self._context(CONTEXT_SECRET_PREFIX, DEFAULT_PREFIX))
        )
        self.signing_key = SigningKeySecret(self, "SigningKey", key=self.secrets.key)
        self.layer = SharedLayer(self, "SharedLayer")
        self.functions = GatewayFunctions(
            self,
            "Functions",
            functions=deployed_functions(),
            storage=self.storage,
            queues=self.queues,
            secrets=self.secrets,
            signing_key=self.signing_key,
            layer=self.layer.layer,
            log_retention=LOG_RETENTION,
            environment=self._certificates(),
            snap_start=self._flag(CONTEXT_SNAP_START),
        )
        self.api = GatewayApi(
            self,
            "Api",
            handlers=self.functions.invocable,
            authorizer=self.functions.invocable[AUTHORIZER],
            settings=self._api_settings(),
        )
        merchant_plan = self.api.settings.merchant_plan
        if merchant_plan.api_keys_required:
            # The authorizer names each merchant's API key (usageIdentifierKey) to the usage plan.
            self.functions.by_spec[AUTHORIZER].add_environment(
                "MERCHANT_API_KEY_PREFIX", merchant_plan.usage_key_prefix
            )
        self.schedules = Schedules(self, "Schedules", schedules=SCHEDULES, handlers=self.functions.invocable)
        self.event_sources = EventSources(
            self,
            "EventSources",
            stream_subscriptions=STREAMS,
            queue_subscriptions=QUEUE_SUBSCRIPTIONS,
            handlers=self.functions.invocable,
            storage=self.storage,
            queues=self.queues,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            functions={construct_name(spec): function for spec, function in self.functions.by_spec.items()},
            api=self.api.rest_api,
            metrics_namespace=METRICS_NAMESPACE,
            service_name=SERVICE_NAME,
            failure_queues={queue.node.id: queue for queue in self._failure_queues()},
            work_queues={queue.node.id: queue for queue in self.queues.queues.values()},
        )

        # What the operator and the app-provisioning CLI need to know about this deployment.
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the gateway's REST API")
        for spec, table in self.storage.tables.items():  # TransactionsTableName, RegistryTableName
            CfnOutput(self, f"{spec.construct_id}Name", value=table.table_name)
        for queue in (*self.queues.queues.values(), *self._failure_queues()):
            # Where an operator inspects, replays or redrives queued work.
            CfnOutput(self, f"{queue.node.id}QueueUrl", value=queue.queue_url)
        CfnOutput(
            self,
            "MerchantUsagePlanId",
            value=self.api.merchant_plan.usage_plan_id,
            description="Usage plan that merchant API keys join (merchantApiKeys)",
        )
        CfnOutput(
            self,
            "MerchantApiKeyPrefix",
            value=self.api.settings.merchant_plan.usage_key_prefix,
            description="A merchant's API key value is this prefix plus its merchant id (merchantApiKeys)",
        )
        CfnOutput(
            self, "AppSecretPrefix", value=self.secrets.prefix, description="Name prefix of app secrets"
        )
        CfnOutput(
            self,
            "AppSecretsKeyArn",
            value=self.secrets.key.key_arn,
            description="KMS key to encrypt app secrets with",
        )
        CfnOutput(
            self,
            "SigningKeySecretArn",
            value=self.signing_key.secret.secret_arn,
            description="Secret holding the merchant-token signing keys",
        )
        for key, value in TAGS.items():
            Tags.of(self).add(key, value)

    def _failure_queues(self) -> list[sqs.IQueue]:
        """The queues of work given up on: each queue's dead letters, each stream subscriber's failures."""
        return [*self.queues.dead_letter_queues.values(), *self.event_sources.stream_failures.values()]

    def _certificates(self) -> dict[str, str]:
        """Each configured certificate as PEM text (a public certificate: fine in the template)."""
        found = {}
        for key, variable in CONTEXT_CERTIFICATES.items():
            value = self._context(key, None)
            if value:
                found[variable] = (
                    value if str(value).lstrip().startswith("-----BEGIN") else Path(value).read_text()
                )
        return found

    def _api_settings(self) -> ApiSettings:
        callback_source_ips = parse_cidrs(self._context(CONTEXT_CALLBACK_SOURCE_IPS, None), PROJECT_ROOT)
        waf_defaults = WafSettings()
        plan_defaults = MerchantPlanSettings()
        period = str(self._context(CONTEXT_PLAN_QUOTA_PERIOD, plan_defaults.quota_period.value)).upper()
        if period not in {member.value for member in apigateway.Period}:
            raise ValueError(f"{CONTEXT_PLAN_QUOTA_PERIOD} must be DAY, WEEK or MONTH, not {period!r}")
        return ApiSettings(
            route_throttles={
                auth: self._throttle(rate_key, burst_key, DEFAULT_ROUTE_THROTTLES[auth])
                for auth, (rate_key, burst_key) in CONTEXT_ROUTE_THROTTLES.items()
            },
            merchant_plan=MerchantPlanSettings(
                throttle=self._throttle(CONTEXT_PLAN_RATE, CONTEXT_PLAN_BURST, plan_defaults.throttle),
                quota=self._number(CONTEXT_PLAN_QUOTA, None, int),
                quota_period=apigateway.Period(period),
                api_keys_required=self._flag(CONTEXT_MERCHANT_API_KEYS),
                # API key values are unique per account and region: one prefix per stack.
                usage_key_prefix=f"{self.stack_name}-merchant-",
            ),
            callback_source_ips=callback_source_ips,
            waf=(
                WafSettings(
                    rate_limit=self._number(CONTEXT_WAF_RATE, waf_defaults.rate_limit, int),
                    callback_rate_limit=self._number(
                        CONTEXT_WAF_CALLBACK_RATE, waf_defaults.callback_rate_limit, int
                    ),
                    callback_source_ips=callback_source_ips,
                )
                if self._flag(CONTEXT_WAF_ENABLED)
                else None
            ),
            web_acl_arn=self._context(CONTEXT_WEB_ACL_ARN, None),
            log_retention=LOG_RETENTION,
            merchant_authorizer_cache_seconds=self._number(
                CONTEXT_AUTHORIZER_CACHE, 0, int, bounds=(0, AUTHORIZER_CACHE_MAX_SECONDS)
            ),
        )

    def _throttle(self, rate_key: str, burst_key: str, default: Throttle) -> Throttle:
        return Throttle(
            rate_limit=self._number(rate_key, default.rate_limit, float),
            burst_limit=self._number(burst_key, default.burst_limit, int),
        )

    def _number(
        self,
        key: str,
        default: Any,
        kind: type[int] | type[float],
        bounds: tuple[float, float] | None = None,
    ) -> Any:
        """A number from context, or the default; on the command line it arrives as a string."""
        value = self._context(key, default)
        if value is None:
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"context {key} must be a number, not {value!r}") from None
        if kind is int and not number.is_integer():
            raise ValueError(f"context {key} must be a whole number, not {value!r}")
        if bounds is not None and not bounds[0] <= number <= bounds[1]:
            raise ValueError(f"context {key} must be {bounds[0]:g} to {bounds[1]:g}, not {value!r}")
        return kind(number)

    def _flag(self, key: str) -> bool:
        value = self._context(key, False)
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "false"}:
            return str(value).lower() == "true"
        raise ValueError(f"context {key} must be true or false, not {value!r}")

    def _context(self, key: str, default: Any) -> Any:
        value = self.node.try_get_context(key)
        return default if value is None or value == "" else value
