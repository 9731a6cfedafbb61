"""Secrets Manager: the payment apps' Daraja credentials and the merchant-token signing keys.

Apps are created at run time by the gateway's CLI, one secret per app named `<prefix><app_id>` and
encrypted with the key made here; so the stack owns the key and the IAM grants, not the secrets.
"""

from __future__ import annotations

import json

from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import nag

DEFAULT_PREFIX = "mpesa-gateway/apps/"


class AppSecrets(Construct):
    """The customer-managed key for app secrets and the read grant on every secret under the prefix."""

    def __init__(self, scope: Construct, construct_id: str, *, prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__(scope, construct_id)
        self.prefix = prefix
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the payment apps' Daraja credentials ({prefix}*)",
            enable_key_rotation=True,
            # Destroying the key would make every stored credential unreadable.
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Secrets Manager appends "-" and six random characters to a secret's ARN, and the apps are
        # unknown at deploy time: the prefix wildcard is the narrowest ARN that names them.
        self.secret_arn_pattern = Stack.of(self).format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{prefix}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """Let grantee read any app's secret, and decrypt with the key only through Secrets Manager."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resource_arns=[self.secret_arn_pattern],
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[self.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{Aws.REGION}.amazonaws.com"}},
            )
        )

    def acknowledge_read_grant(self, scope: Construct) -> None:
        """Acknowledge, on the grantee's scope, the one wildcard grant_read necessarily carries."""
        nag.acknowledge(
            scope,
            nag.wildcard_resource(self, self.secret_arn_pattern),
            f"Payment apps are created at run time, one secret per app named {self.prefix}<app_id>; the "
            "prefix wildcard (which also covers Secrets Manager's random ARN suffix) is the narrowest "
            "ARN that names them, and only GetSecretValue/DescribeSecret are allowed.",
        )


class SigningKeySecret(Construct):
    """The keys that sign merchant bearer tokens: `{"active": "k1", "k1": <64 random characters>}`.

    CloudFormation generates the first key, so it never appears in the template or the repository.
    """

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Merchant token signing keys (rotate: python -m admin signing-keys)",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"active": "k1"}),
                generate_string_key="k1",
                exclude_punctuation=True,
                password_length=64,
            ),
        )
        nag.acknowledge(
            self.secret,
            "SMG4",
            "Signing keys are rotated with the gateway's CLI, which adds a new active key and keeps the old "
            "one verifying until its tokens (valid one hour) expire; a single-value rotation Lambda would "
            "cut off every token in flight.",
        )

    def grant_read(self, grantee: iam.IGrantable) -> None:
        self.secret.grant_read(grantee)
