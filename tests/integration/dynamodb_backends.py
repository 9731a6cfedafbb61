"""The gateway's tables on either DynamoDB the store is tested against: moto (in process) and Amazon's
DynamoDB Local (stricter: names, key and item sizes, transaction conflicts).

    @pytest.fixture(params=BACKENDS)
    def store(request, monkeypatch):
        with gateway_tables(request, monkeypatch):
            yield DynamoTokenStore(...)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.aws import create_tables
from local.in_process import reset_gateway_caches

BACKENDS = ("moto", "dynamodb-local")


@contextmanager
def gateway_tables(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty gateway tables on the backend named by request.param, for one test."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "af-south-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    try:
        if request.param == "moto":
            monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
            with mock_aws():
                reset_gateway_caches()
                create_tables()
                yield
        else:
            server = request.getfixturevalue("dynamodb_local")
            monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint)
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
            reset_gateway_caches()
            client = boto3.client("dynamodb")
            for name in client.list_tables()["TableNames"]:
                client.delete_table(TableName=name)
            create_tables()
            yield
    finally:
        reset_gateway_caches()


@contextmanager
def calls_made(table: Any) -> Iterator[list[str]]:
    """The DynamoDB operations a boto3 Table's client calls inside the block, in order."""
    made: list[str] = []
    events = table.meta.client.meta.events

    def count(model: Any, **_: Any) -> None:
        made.append(model.name)

    events.register("before-call.dynamodb", count)
    try:
        yield made
    finally:
        events.unregister("before-call.dynamodb", count)
