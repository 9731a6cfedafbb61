"""The DynamoDB tables' key schemas: one definition for the CDK stack and the local (moto) stack."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class TableSpec:
    construct_id: str
    env_var: str  # how the functions learn the table's name
    local_name: str
    partition_key: str = "pk"
    sort_key: str | None = "sk"
    indexes: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None
    # Change stream with old and new images, for functions subscribed to it (routes.STREAMS).
    stream: bool = False


TRANSACTIONS = TableSpec(
    construct_id="TransactionsTable",
    env_var="TRANSACTIONS_TABLE",
    local_name="mpesa-gateway-transactions",
    # `pending` is sparse: only PENDING transactions carry its keys, so the reconciler reads just those.
    indexes=(IndexSpec("by_app", "gsi1pk", "gsi1sk"), IndexSpec("pending", "pending_pk", "pending_sk")),
    # Only an awaited CheckoutRequestID alias carries it: one that no push claims is dropped a day later.
    ttl_attribute="expires_at",
    stream=True,
)
REGISTRY = TableSpec(
    construct_id="RegistryTable",
    env_var="REGISTRY_TABLE",
    local_name="mpesa-gateway-registry",
    indexes=(IndexSpec("by_merchant", "gsi1pk", "gsi1sk"),),
    ttl_attribute="expires_at",
)
# Powertools Idempotency's own layout: `id` key, TTL on `expiration` (Idempotency-Key replays).
IDEMPOTENCY = TableSpec(
    construct_id="IdempotencyTable",
    env_var="IDEMPOTENCY_TABLE",
    local_name="mpesa-gateway-idempotency",
    partition_key="id",
    sort_key=None,
    ttl_attribute="expiration",
)
TABLES = (TRANSACTIONS, REGISTRY, IDEMPOTENCY)
