"""The gateway stack: composes the constructs, reads deploy-time settings from context, tags, outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.api import ApiSettings, GatewayApi
from infra.functions import GatewayFunctions, construct_name
from infra.layer import SharedLayer
from infra.observability import Monitoring
from infra.routes import AUTHORIZER, SCHEDULES, deployed_functions
from infra.scheduling import Schedules
from infra.secrets import DEFAULT_PREFIX, AppSecrets, SigningKeySecret
from infra.storage import Storage

LOG_RETENTION = logs.RetentionDays.ONE_MONTH

# Context keys a deployer may set (`cdk deploy -c key=value` or cdk.json).
CONTEXT_SECRET_PREFIX = "appSecretPrefix"  # noqa: S105 (a context key, not a secret)
CONTEXT_THROTTLE_RATE = "apiThrottleRateLimit"
CONTEXT_THROTTLE_BURST = "apiThrottleBurstLimit"
CONTEXT_WEB_ACL_ARN = "webAclArn"
# Safaricom's certificates (PEM text or a path), to encrypt initiator passwords into SecurityCredentials.
CONTEXT_CERTIFICATES = {
    "darajaSandboxCertificate": "DARAJA_SANDBOX_CERTIFICATE",
    "darajaLiveCertificate": "DARAJA_LIVE_CERTIFICATE",
}

TAGS = {"project": "mpesa-gateway", "component": "payments-gateway"}


class GatewayStack(Stack):
    """Storage, app secrets, the shared layer, one Lambda per function, the REST API, schedules, alarms."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.storage = Storage(self, "Storage")
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
            secrets=self.secrets,
            signing_key=self.signing_key,
            layer=self.layer.layer,
            log_retention=LOG_RETENTION,
            environment=self._certificates(),
        )
        defaults = ApiSettings()
        self.api = GatewayApi(
            self,
            "Api",
            handlers=self.functions.by_spec,
            authorizer=self.functions.by_spec[AUTHORIZER],
            settings=ApiSettings(
                # Context given on the command line arrives as strings.
                throttling_rate_limit=float(
                    self._context(CONTEXT_THROTTLE_RATE, defaults.throttling_rate_limit)
                ),
                throttling_burst_limit=int(
                    self._context(CONTEXT_THROTTLE_BURST, defaults.throttling_burst_limit)
                ),
                log_retention=LOG_RETENTION,
                web_acl_arn=self._context(CONTEXT_WEB_ACL_ARN, None),
            ),
        )
        self.schedules = Schedules(self, "Schedules", schedules=SCHEDULES, handlers=self.functions.by_spec)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            functions={construct_name(spec): function for spec, function in self.functions.by_spec.items()},
            api=self.api.rest_api,
        )

        # What the operator and the app-provisioning CLI need to know about this deployment.
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the gateway's REST API")
        for spec, table in self.storage.tables.items():  # TransactionsTableName, RegistryTableName
            CfnOutput(self, f"{spec.construct_id}Name", value=table.table_name)
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

    def _context(self, key: str, default: Any) -> Any:
        value = self.node.try_get_context(key)
        return default if value is None or value == "" else value
