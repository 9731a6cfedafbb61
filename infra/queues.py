"""The SQS queues: one definition for the CDK stack and the local stack (moto)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueueSpec:
    construct_id: str
    env_var: str  # how the functions learn the queue's URL
    local_name: str
    # Receives before SQS moves a message to the dead-letter queue: the retry schedule's attempts.
    max_receive_count: int
    # At least six times the consuming function's timeout, as AWS advises for SQS event sources.
    visibility_timeout_seconds: int


WEBHOOK_DELIVERIES = QueueSpec(
    construct_id="WebhookDeliveries",
    env_var="WEBHOOK_QUEUE_URL",
    local_name="mpesa-gateway-webhooks",
    # mpesa_gateway.webhooks.schedule: the fewest attempts whose back-off covers 72 hours (a test checks).
    max_receive_count=21,
    visibility_timeout_seconds=180,
)
VODACOM_PAYMENTS = QueueSpec(
    construct_id="VodacomPayments",
    env_var="VODACOM_PAYMENT_QUEUE_URL",
    local_name="mpesa-gateway-vodacom-payments",
    # A payment that cannot be sent yet (no active session) comes back every 10 s; after this many
    # tries it waits in the dead-letter queue and the reconciler fails it, unsent, at its maximum age.
    max_receive_count=30,
    # Six times the worker's timeout (routes.VODACOM_PAYMENT_WORKER).
    visibility_timeout_seconds=1080,
)
QUEUES = (WEBHOOK_DELIVERIES, VODACOM_PAYMENTS)
