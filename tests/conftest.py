"""Fixtures every tier shares."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# On Lambda the environment is there before any module loads; Powertools reads it at import time.
os.environ.update(
    {
        "POWERTOOLS_SERVICE_NAME": "mpesa-gateway",
        "POWERTOOLS_METRICS_NAMESPACE": "MpesaGatewayTests",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)

# Imported after the environment is set, as on Lambda.
from aws_lambda_powertools.utilities import parameters

from local.dynamodb_local import DynamoDBLocal
from mpesa_gateway import config, runtime
from mpesa_gateway.store import dynamo


def reset_gateway_caches() -> None:
    """Forget what a Lambda container keeps between invocations (settings, clients, tokens, secrets)."""
    config.get_settings.cache_clear()
    dynamo.table.cache_clear()
    parameters.clear_caches()
    for value in vars(runtime).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """Amazon's DynamoDB Local on a free loopback port, once per session (the store's tests use it)."""
    with DynamoDBLocal() as server:
        yield server
