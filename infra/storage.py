"""DynamoDB: the transactions table and the registry (merchants, payment apps, the Daraja token cache)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

PARTITION_KEY = "pk"
SORT_KEY = "sk"
GSI_PARTITION_KEY = "gsi1pk"
GSI_SORT_KEY = "gsi1sk"
TRANSACTIONS_BY_APP_INDEX = "by_app"
REGISTRY_BY_MERCHANT_INDEX = "by_merchant"
REGISTRY_TTL_ATTRIBUTE = "expires_at"


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Storage(Construct):
    """Both tables, built alike: money records must survive a stack deletion and be restorable."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.transactions = self._table("Transactions", index_name=TRANSACTIONS_BY_APP_INDEX)
        self.registry = self._table(
            "Registry",
            index_name=REGISTRY_BY_MERCHANT_INDEX,
            # Cached Daraja tokens (and anything else short-lived) expire on their own.
            time_to_live_attribute=REGISTRY_TTL_ATTRIBUTE,
        )

    def _table(
        self, construct_id: str, *, index_name: str, time_to_live_attribute: str | None = None
    ) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            construct_id,
            partition_key=_string(PARTITION_KEY),
            sort_key=_string(SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # A KMS key visible in CloudTrail, without a customer-managed key's cost and key policy.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            time_to_live_attribute=time_to_live_attribute,
        )
        table.add_global_secondary_index(
            index_name=index_name,
            partition_key=_string(GSI_PARTITION_KEY),
            sort_key=_string(GSI_SORT_KEY),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        return table
