"""DynamoDB: one table per infra/tables.py TableSpec (transactions, registry, idempotency records), with
a change stream where the spec asks for one.

The key schemas live in infra/tables.py because the local (moto) stack creates the same tables.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.tables import TABLES, TableSpec


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Storage(Construct):
    """Every table, built alike: money records must survive a stack deletion and be restorable."""

    def __init__(self, scope: Construct, construct_id: str, *, specs: Iterable[TableSpec] = TABLES) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[TableSpec, dynamodb.Table] = {spec: self._table(spec) for spec in specs}

    def __getitem__(self, spec: TableSpec) -> dynamodb.Table:
        return self.tables[spec]

    def _table(self, spec: TableSpec) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            spec.construct_id,
            partition_key=_string(spec.partition_key),
            sort_key=_string(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # A KMS key visible in CloudTrail, without a customer-managed key's cost and key policy.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            # E.g. cached Daraja tokens expire on their own.
            time_to_live_attribute=spec.ttl_attribute,
            # Subscribers (routes.STREAMS) see what changed: a status moving, not just the new item.
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if spec.stream else None,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string(index.partition_key),
                sort_key=_string(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table
