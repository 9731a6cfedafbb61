"""Handlers against moto, in process (local.in_process): the local API's WSGI app (real route table, real
authorizer emulation) calls the deployed handlers; the Daraja simulator serves on a loopback port and
delivers its callbacks straight into the same WSGI app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from werkzeug.test import Client

from local.aws import provision
from local.demo import seed
from local.in_process import InProcessGateway, reset_gateway_caches
from mpesa_gateway.config import get_settings
from mpesa_gateway.phone import normalise_msisdn
from mpesa_gateway.store.registry import DynamoRegistry

CLIENT_SECRETS = {"demo": "demo-secret", "other": "other-secret"}
DEMO_CALLBACK_SECRET = "demo-express-callback-secret"
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}


class Gateway:
    """The gateway and its simulator as a merchant (and Safaricom) would use them."""

    def __init__(self, client: Client, simulator_url: str) -> None:
        self.client = client
        self.simulator_url = simulator_url
        self._tokens: dict[str, str] = {}

    def token(self, merchant: str) -> str:
        if merchant not in self._tokens:
            answer = self.client.post(
                "/api/generate_token", json={"client_id": merchant, "client_secret": CLIENT_SECRETS[merchant]}
            )
            self._tokens[merchant] = answer.get_json()["access_token"]
        return self._tokens[merchant]

    def auth(self, merchant: str | None) -> dict[str, str]:
        """The Authorization header of a merchant's bearer token (none for None)."""
        return {"Authorization": f"Bearer {self.token(merchant)}"} if merchant else {}

    def request_payment(
        self, body: Any, *, app: str = "demo-express", merchant: str | None = "demo", headers: Any = None
    ):
        headers = {**self.auth(merchant), **(headers or {})}
        return self.client.post(f"/api/pay/{app}/requestPayment", json=body, headers=headers)

    def status(self, reference: str, *, app: str = "demo-express", merchant: str = "demo"):
        path = f"/api/pay/{app}/checkPaymentRequestStatus/{reference}"
        return self.client.get(path, headers=self.auth(merchant))

    def callback(self, body: Any, *, app: str = "demo-express", secret: str | None = DEMO_CALLBACK_SECRET):
        query = {"secret": secret} if secret else {}
        return self.client.post(f"/api/pay/{app}/callback", json=body, query_string=query)

    def wait_for(self, transaction_id: str, statuses: set[str] = FINAL, timeout: float = 8) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            data = self.status(transaction_id).get_json()["data"]
            if data["status"] in statuses or time.monotonic() > deadline:
                return data
            time.sleep(0.2)

    def completed_payment(self, body: dict[str, Any]) -> str:
        """A paid STK push whose callback has landed, so nothing changes it afterwards. Waiting on the
        status route alone would not do: its STK Query can settle the push before the callback comes."""
        self.rule(msisdn=normalise_msisdn(body["phone_number"]), callback_delay_ms=50)  # not the default 1 s
        transaction_id = self.request_payment(body).get_json()["data"]["transaction_id"]
        deadline = time.monotonic() + 8
        while not self.delivered_callbacks() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.wait_for(transaction_id)
        return transaction_id

    def rule(self, **rule: Any) -> None:
        requests.post(f"{self.simulator_url}/simulator/rules", json=rule, timeout=5).raise_for_status()

    def simulator_log(self, path: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.simulator_url}/simulator/requests", params={"path": path}, timeout=5)
        return answer.json()["requests"]

    def simulator_log_all(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.simulator_url}/simulator/requests", timeout=5).json()["requests"]

    def delivered_callbacks(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.simulator_url}/simulator/callbacks", timeout=5).json()["callbacks"]

    @staticmethod
    def items(prefix: str) -> list[dict[str, Any]]:
        table = boto3.resource("dynamodb").Table(get_settings().transactions_table)
        return [item for item in table.scan()["Items"] if item["pk"].startswith(prefix)]


@pytest.fixture
def api_options() -> dict[str, Any]:
    """InProcessGateway.serve's arguments (the authorizer cache); a test module may override this."""
    return {}


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch, api_options: dict[str, Any]) -> Iterator[Gateway]:
    with InProcessGateway() as in_process:
        for name, value in in_process.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        try:
            with mock_aws():
                reset_gateway_caches()
                for name, value in provision().items():  # the queues' URLs
                    monkeypatch.setenv(name, value)
                seed(DynamoRegistry(get_settings().registry_table))
                yield Gateway(in_process.serve(**api_options), in_process.simulator_url)
                in_process.stop_callbacks()  # before moto goes: a late callback would reach real AWS
        finally:
            reset_gateway_caches()
