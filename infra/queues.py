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
QUEUES = (WEBHOOK_DELIVERIES,)
