"""`python -m local.admin ...`: the admin command line against the running local stack (`make dev`)."""

from __future__ import annotations

import os
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from admin.cli import main
from infra.queues import WEBHOOK_DELIVERIES
from local.aws import endpoint_environment, gateway_environment
from local.dev import HOST, Ports


def configure_environment() -> None:
    """The variables local/dev.py gives the handlers, so the CLI sees the same tables, secrets and queue."""
    os.environ.update(gateway_environment())
    ports = Ports.from_env()
    os.environ.update(endpoint_environment(HOST, moto_port=ports.aws, dynamodb_port=ports.dynamodb))
    queue_url = webhook_queue_url()
    if queue_url:
        os.environ[WEBHOOK_DELIVERIES.env_var] = queue_url


def webhook_queue_url() -> str | None:
    """The delivery queue's URL, as the running stack's SQS (moto) chose it when the stack made it."""
    try:
        answer = boto3.client("sqs").get_queue_url(QueueName=WEBHOOK_DELIVERIES.local_name)
    except (BotoCoreError, ClientError):
        # No stack running: the command itself reports the unreachable services.
        return None
    return str(answer["QueueUrl"])


if __name__ == "__main__":
    configure_environment()
    sys.exit(main())
