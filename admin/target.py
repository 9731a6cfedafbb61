"""The deployment to administer: from the stack's CloudFormation outputs, or from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from infra.queues import WEBHOOK_DELIVERIES
from mpesa_gateway.errors import InvalidRequest, NotFound

DEFAULT_APP_SECRET_PREFIX = "mpesa-gateway/apps/"  # noqa: S105 - a name prefix; same default as config
# The outputs every gateway stack has (infra/stack.py); the others are read when present.
REQUIRED_OUTPUTS = ("RegistryTableName", "AppSecretPrefix")
# The stack names each queue's URL in an output (infra/stack.py).
WEBHOOK_QUEUE_OUTPUT = f"{WEBHOOK_DELIVERIES.construct_id}QueueUrl"


@dataclass(frozen=True)
class Target:
    """Where the admin service acts: the registry table and app secrets, and what else the stack names."""

    registry_table: str
    app_secret_prefix: str = DEFAULT_APP_SECRET_PREFIX
    kms_key_id: str | None = None
    signing_key_secret: str | None = None
    transactions_table: str | None = None
    webhook_queue_url: str | None = None
    # Merchants' URLs may be http:// and on loopback (local mode; never for a deployed stack).
    allow_local_merchant_urls: bool = False
    # Every output of the stack (empty when configured from the environment).
    outputs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Target:
        """The same variables the Lambdas get from the stack."""
        if not env.get("REGISTRY_TABLE"):
            raise InvalidRequest(
                "REGISTRY_TABLE is not set: pass `stack`, or set REGISTRY_TABLE and APP_SECRET_PREFIX",
                field="stack",
            )
        return cls(
            registry_table=env["REGISTRY_TABLE"],
            app_secret_prefix=env.get("APP_SECRET_PREFIX") or DEFAULT_APP_SECRET_PREFIX,
            kms_key_id=env.get("APP_SECRETS_KMS_KEY_ID") or None,
            signing_key_secret=env.get("SIGNING_KEY_SECRET") or None,
            transactions_table=env.get("TRANSACTIONS_TABLE") or None,
            webhook_queue_url=env.get(WEBHOOK_DELIVERIES.env_var) or None,
            # Parsed as the functions' settings parse it.
            allow_local_merchant_urls=env.get("ALLOW_LOCAL_MERCHANT_URLS", "").lower() == "true",
        )

    @classmethod
    def from_stack(cls, stack_name: str, cloudformation: Any) -> Target:
        """Read the deployed stack's outputs (what `cdk deploy` prints) with describe_stacks."""
        try:
            stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ValidationError":
                raise NotFound(f"No CloudFormation stack named '{stack_name}'", field="stack") from error
            raise
        return cls.from_outputs(stack_name, stacks[0].get("Outputs", []))

    @classmethod
    def from_outputs(cls, stack_name: str, outputs: list[dict[str, str]]) -> Target:
        values = {output["OutputKey"]: output["OutputValue"] for output in outputs}
        for key in REQUIRED_OUTPUTS:
            if not values.get(key):
                raise NotFound(
                    f"Stack '{stack_name}' has no output {key}: is it the gateway's stack?", field="stack"
                )
        return cls(
            registry_table=values["RegistryTableName"],
            app_secret_prefix=values["AppSecretPrefix"],
            kms_key_id=values.get("AppSecretsKeyArn") or None,
            signing_key_secret=values.get("SigningKeySecretArn") or None,
            transactions_table=values.get("TransactionsTableName") or None,
            webhook_queue_url=values.get(WEBHOOK_QUEUE_OUTPUT) or None,
            outputs=values,
        )
