"""The gateway in this process against DynamoDB Local (tables) and moto server (Secrets Manager, SQS), the
AWS that bench/aws_calls.py counts calls to and bench/warm_overhead.py times against.

    with local_gateway() as gateway:      # a local.in_process.InProcessGateway, seeded with the demo data
        gateway.client.post("/api/generate_token", ...)
"""

from __future__ import annotations

import os

# Powertools reads these when its modules load, as on Lambda: set before anything imports them.
os.environ.update(
    {
        "POWERTOOLS_SERVICE_NAME": "mpesa-gateway",
        "POWERTOOLS_METRICS_NAMESPACE": "MpesaGateway",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from moto.server import ThreadedMotoServer
from werkzeug.test import Client

from local.aws import endpoint_environment, provision
from local.demo import seed
from local.dynamodb_local import DynamoDBLocal
from local.in_process import HOST, InProcessGateway, reset_gateway_caches
from local.stack import free_port
from mpesa_gateway import idempotency
from mpesa_gateway.config import get_settings
from mpesa_gateway.store.registry import DynamoRegistry

CLIENT_SECRETS = {"demo": "demo-secret"}


@contextmanager
def local_gateway() -> Iterator[InProcessGateway]:
    """DynamoDB Local, moto server, the Daraja simulator and the local API (its handlers in this process),
    seeded with the demo merchants and apps; the environment is put back afterwards. The functions' own
    output (their JSON logs and metrics) goes nowhere: the figures are printed afterwards."""
    for noisy in ("werkzeug", "moto", "botocore", "urllib3", "local.api"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    saved = dict(os.environ)
    moto_port = free_port()
    aws = ThreadedMotoServer(ip_address=HOST, port=moto_port, verbose=False)
    with (
        open(os.devnull, "w") as nowhere,
        redirect_stdout(nowhere),
        DynamoDBLocal() as dynamodb,
        InProcessGateway() as gateway,
    ):
        aws.start()
        try:
            os.environ.update(gateway.environment())
            os.environ.update(endpoint_environment(HOST, moto_port=moto_port, dynamodb_port=dynamodb.port))
            # As deployed: warm containers keep an app for the stack's default time (local mode, 0).
            del os.environ["APP_CACHE_SECONDS"]
            forget_aws_clients()
            os.environ.update(provision())
            seed(DynamoRegistry(get_settings().registry_table))
            gateway.serve()
            yield gateway
        finally:
            gateway.stop_callbacks()
            aws.stop()
            os.environ.clear()
            os.environ.update(saved)
            forget_aws_clients()


def forget_aws_clients() -> None:
    """Every cached client, Powertools' too: the next run's endpoints are on other ports."""
    reset_gateway_caches()
    idempotency._idempotent_runner.cache_clear()
    DEFAULT_PROVIDERS.clear()


def bearer(client: Client, merchant: str = "demo") -> dict[str, str]:
    """The Authorization header of a fresh bearer token of a demo merchant."""
    answer = client.post(
        "/api/generate_token", json={"client_id": merchant, "client_secret": CLIENT_SECRETS[merchant]}
    )
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
