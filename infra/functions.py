"""One Lambda per route table Function: code, runtime, logs, environment and least-privilege grants."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.layer import ARCHITECTURE, ASSET_EXCLUDES, RUNTIME
from infra.messaging import Queues
from infra.queues import VODACOM_PAYMENTS, WEBHOOK_DELIVERIES, QueueSpec
from infra.routes import HANDLER, Access, Function
from infra.secrets import AppSecrets, SigningKeySecret
from infra.storage import Storage
from infra.tables import IDEMPOTENCY, REGISTRY, TRANSACTIONS, TableSpec

SERVICE_NAME = "mpesa-gateway"
# With SnapStart, what every invoker calls: this alias of the function's current (published) version.
LIVE_ALIAS = "live"
METRICS_NAMESPACE = "MpesaGateway"
DARAJA_SANDBOX_URL = "https://sandbox.safaricom.co.ke"
DARAJA_LIVE_URL = "https://api.safaricom.co.ke"


# Table access a route table Function may hold: the table and whether it may write. A new Access value
# needs a line here, in QUEUE_ACCESS or in GatewayFunctions (other access); an unmapped one fails synthesis.
TABLE_ACCESS: dict[Access, tuple[TableSpec, bool]] = {
    Access.TRANSACTIONS_READ: (TRANSACTIONS, False),
    Access.TRANSACTIONS_READ_WRITE: (TRANSACTIONS, True),
    Access.REGISTRY_READ: (REGISTRY, False),
    Access.REGISTRY_READ_WRITE: (REGISTRY, True),
    Access.IDEMPOTENCY_READ_WRITE: (IDEMPOTENCY, True),
}
# Queues a route table Function may send messages to.
QUEUE_ACCESS: dict[Access, QueueSpec] = {
    Access.WEBHOOK_QUEUE_SEND: WEBHOOK_DELIVERIES,
    Access.VODACOM_PAYMENT_QUEUE_SEND: VODACOM_PAYMENTS,
}


def construct_name(function: Function) -> str:
    """request_payment -> RequestPayment: stable construct ids, hence stable logical ids."""
    return "".join(part.capitalize() for part in function.name.split("_"))


@dataclass(frozen=True)
class _Grant:
    apply: Callable[[iam.IGrantable], object]
    acknowledge: Callable[[Construct], None]


class GatewayFunctions(Construct):
    """Builds a Lambda for each Function; `by_spec[function]` is the deployed lambda_.Function, and
    `invocable[function]` what API Gateway, schedules and event sources invoke: with `snap_start`, the
    LIVE_ALIAS of its current version (SnapStart restores published versions only), else the function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Iterable[Function],
        storage: Storage,
        queues: Queues,
        secrets: AppSecrets,
        signing_key: SigningKeySecret,
        layer: lambda_.ILayerVersion,
        log_retention: logs.RetentionDays,
        environment: Mapping[str, str] | None = None,
        snap_start: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self._snap_start = snap_start
        self._layer = layer
        self._log_retention = log_retention
        self._environment = {
            **{spec.env_var: table.table_name for spec, table in storage.tables.items()},
            **{spec.env_var: queue.queue_url for spec, queue in queues.queues.items()},
            "APP_SECRET_PREFIX": secrets.prefix,
            "SIGNING_KEY_SECRET": signing_key.secret.secret_arn,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # Responses carry phone numbers and amounts: keep them out of X-Ray trace metadata.
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
            "DARAJA_SANDBOX_URL": DARAJA_SANDBOX_URL,
            "DARAJA_LIVE_URL": DARAJA_LIVE_URL,
            **(environment or {}),
        }
        self._grants: dict[Access, _Grant] = {
            access: self._table_grant(storage[spec], spec, write=write)
            for access, (spec, write) in TABLE_ACCESS.items()
        }
        for access, spec in QUEUE_ACCESS.items():
            self._grants[access] = _Grant(queues[spec].grant_send_messages, _nothing_to_acknowledge)
        self._grants[Access.APP_SECRETS_READ] = _Grant(secrets.grant_read, secrets.acknowledge_read_grant)
        self._grants[Access.SIGNING_KEY_READ] = _Grant(signing_key.grant_read, _nothing_to_acknowledge)
        # A Function listed twice (a handler behind two routes) is built once.
        built = {function: self._build(function) for function in dict.fromkeys(functions)}
        self.by_spec: dict[Function, lambda_.Function] = {
            function: handler for function, (handler, _) in built.items()
        }
        self.invocable: dict[Function, lambda_.IFunction] = {
            function: invocable for function, (_, invocable) in built.items()
        }

    def _build(self, function: Function) -> tuple[lambda_.Function, lambda_.IFunction]:
        """The function, and what its invokers call."""
        scope = Construct(self, construct_name(function))
        log_group = logs.LogGroup(scope, "Logs", retention=self._log_retention)
        # An own role per function, without AWSLambdaBasicExecutionRole: it may write its own log group
        # and nothing else beyond what its route table Access grants.
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{function.name}: {function.description}",
        )
        log_group.grant_write(role)
        for access in sorted(function.access, key=lambda item: item.value):  # stable policy order
            grant = self._grants.get(access)
            if grant is None:
                raise ValueError(f"{function.name}: no IAM grant is defined for {access!r}")
            grant.apply(role)
            grant.acknowledge(role)
        nag.acknowledge(
            role,
            "IAM5[Resource::*]",
            "Resource '*' carries only actions that support no resource-level permissions: active X-Ray "
            "tracing's xray:PutTraceSegments and xray:PutTelemetryRecords, and for a function fed by a table "
            "stream, dynamodb:ListStreams (the stream's records are granted on its own ARN only).",
        )
        handler = lambda_.Function(
            scope,
            "Function",
            description=function.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(function.source_dir), exclude=ASSET_EXCLUDES),
            timeout=Duration.seconds(function.timeout_seconds),
            memory_size=function.memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            layers=[self._layer],
            role=role,
            environment=self._environment,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if self._snap_start else None,
        )
        if RUNTIME.name != _latest_python().name:
            nag.acknowledge(
                handler,
                "L1",
                f"Pinned to {RUNTIME.name}: the shared layer's wheels (pydantic-core, cryptography) are "
                "built for this exact version; move runtime and layer together after testing.",
            )
        if not self._snap_start:
            return handler, handler
        # current_version hashes the function's configuration when the app is synthesised, so
        # environment added later (the authorizer's API key prefix) still publishes a new version.
        return handler, lambda_.Alias(scope, "Alias", alias_name=LIVE_ALIAS, version=handler.current_version)

    @staticmethod
    def _table_grant(table: dynamodb.Table, spec: TableSpec, *, write: bool) -> _Grant:
        def apply(grantee: iam.IGrantable) -> None:
            if write:
                table.grant_read_write_data(grantee)
            else:
                table.grant_read_data(grantee)

        def acknowledge(scope: Construct) -> None:
            if spec.indexes:  # CDK grants on <table>/index/* only for a table with indexes
                nag.acknowledge(
                    scope,
                    nag.wildcard_resource(table, f"{table.table_arn}/index/*"),
                    "Table grants cover the table's own global secondary indexes (its ARN + /index/*) so "
                    "handlers can query them; no other table is reachable.",
                )

        return _Grant(apply, acknowledge)


def _nothing_to_acknowledge(_scope: Construct) -> None:
    """For grants on named resources only: cdk-nag finds no wildcard to acknowledge."""


def _latest_python() -> lambda_.Runtime:
    # What cdk-nag's L1 compares against: the newest Python runtime this aws-cdk-lib knows.
    pythons = [runtime for runtime in lambda_.Runtime.ALL if runtime.name.startswith("python3.")]
    return max(pythons, key=lambda runtime: int(runtime.name.split(".")[1]))
