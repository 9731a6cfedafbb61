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
import functools
import threading

import botocore.session
from moto.core.botocore_stubber import BotocoreStubber

from local.dynamodb_local import DynamoDBLocal
from mpesa_gateway.api import GatewayResolver

# moto's in-process backend is not thread-safe: two threads (a test and the simulator delivering a
# callback, or racing token caches) can break its conditional writes or crash it with "dictionary
# changed size during iteration". DynamoDB serialises each item's writes; so does this lock, for moto.
_MOTO_CALLS = threading.RLock()
_moto_call = BotocoreStubber.__call__


def _one_moto_call_at_a_time(
    self: BotocoreStubber, event_name: str, request: object, **kwargs: object
) -> object:
    with _MOTO_CALLS:
        return _moto_call(self, event_name, request, **kwargs)  # type: ignore[arg-type]


BotocoreStubber.__call__ = _one_moto_call_at_a_time  # type: ignore[method-assign]


# moto gives every test a new boto3 default session, whose new loader would parse botocore's service
# models again (about 0.2 s per kind of client per test). One loader for the run parses each once.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)  # type: ignore[assignment]


def _contract_broken(self: GatewayResolver, error: Exception) -> object:
    raise AssertionError(f"An answer does not match its documented model: {error}")


# In production an answer that breaks its model still goes out (and is alarmed on); in tests it fails.
GatewayResolver._broken_contract = _contract_broken  # type: ignore[method-assign,assignment]


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """Amazon's DynamoDB Local on a free loopback port, once per session (the store's tests use it)."""
    with DynamoDBLocal() as server:
        yield server
