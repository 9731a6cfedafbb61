"""C2B over the running local stack: register, sandbox customers pay, rules and the merchant decide."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack, admin

pytestmark = pytest.mark.e2e


@pytest.fixture
def c2b(local_stack: LocalStack) -> Iterator[dict[str, str]]:
    """demo's bearer header, with demo-c2b's URLs registered and its rules cleared."""
    token = requests.post(
        f"{local_stack.api}/api/generate_token", auth=("demo", "demo-secret"), timeout=30
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    registered = requests.post(
        f"{local_stack.api}/api/pay/demo-c2b/registerUrls", headers=headers, timeout=30
    )
    assert registered.status_code in {200, 409}  # the simulator keeps registrations, as Daraja does
    yield headers
    admin(local_stack, "apps", "update", "demo-c2b", "--clear-c2b-validation")


def pay(stack: LocalStack, headers: dict[str, str], phone: str, amount: int, reference: str) -> str:
    """A simulated customer payment; its M-Pesa receipt once the simulator has finished with it."""
    body = {"phone_number": phone, "amount": amount, "reference": reference}
    answer = requests.post(
        f"{stack.api}/api/pay/demo-c2b/simulateTransaction", json=body, headers=headers, timeout=30
    )
    assert answer.status_code == 200, answer.text
    originator = answer.json()["data"]["OriginatorConversationID"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        payments = requests.get(f"{stack.simulator}/simulator/c2b/payments", timeout=5).json()["payments"]
        mine = [p for p in payments if p["originator_conversation_id"] == originator]
        if mine and (mine[0]["validation"] is not None or mine[0]["confirmed"]):
            time.sleep(0.5)  # the confirmation (and any duplicates) land just after
            return mine[0]["trans_id"]
        time.sleep(0.2)
    pytest.fail("the simulated payment never finished")


def recorded(stack: LocalStack, headers: dict[str, str], receipt: str) -> requests.Response:
    return requests.get(f"{stack.api}/api/pay/demo-c2b/transactions/{receipt}", headers=headers, timeout=30)


def test_registering_twice_is_a_409(local_stack: LocalStack, c2b: dict[str, str]):
    again = requests.post(f"{local_stack.api}/api/pay/demo-c2b/registerUrls", headers=c2b, timeout=30)

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "urls_already_registered"


def test_an_accepted_payment_is_recorded_once_even_when_confirmed_three_times(
    local_stack: LocalStack, c2b: dict[str, str]
):
    requests.post(
        f"{local_stack.simulator}/simulator/rules",
        json={"msisdn": "254722100001", "duplicate_callbacks": 2},
        timeout=5,
    ).raise_for_status()

    receipt = pay(local_stack, c2b, "0722100001", 250, "ACC-1")

    transaction = recorded(local_stack, c2b, receipt).json()["data"]
    assert (transaction["type"], transaction["status"], transaction["amount"]) == ("C2B", "COMPLETED", 250)
    listed = requests.get(
        f"{local_stack.api}/api/pay/demo-c2b/transactions",
        params={"reference": "ACC-1"},
        headers=c2b,
        timeout=30,
    ).json()["data"]
    assert [item["receipt_number"] for item in listed] == [receipt]


def test_a_payment_above_the_apps_maximum_is_rejected_and_not_recorded(
    local_stack: LocalStack, c2b: dict[str, str]
):
    admin(local_stack, "apps", "update", "demo-c2b", "--c2b-max-amount", "1000")

    receipt = pay(local_stack, c2b, "0722100002", 5000, "ACC-2")

    assert recorded(local_stack, c2b, receipt).status_code == 404


class MerchantEndpoint:
    def __init__(self, delay: float, answer: dict[str, Any]) -> None:
        endpoint = self
        self.calls = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint.calls += 1
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay)
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/validate"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    ("delay", "when_unanswered", "is_recorded"),
    [(0.0, "reject", True), (2.0, "accept", True), (2.0, "reject", False)],
    ids=["answers-accept", "slow-default-accept", "slow-default-reject"],
)
def test_the_merchants_validation_url_decides_or_its_default_does(
    local_stack: LocalStack, c2b: dict[str, str], delay: float, when_unanswered: str, is_recorded: bool
):
    endpoint = MerchantEndpoint(delay, {"ResultCode": "0", "ResultDesc": "Accepted"})
    try:
        admin(
            local_stack, "apps", "update", "demo-c2b", "--c2b-validation-url", endpoint.url,
            "--c2b-validation-timeout-ms", "500", "--c2b-when-unanswered", when_unanswered,
        )  # fmt: skip
        receipt = pay(local_stack, c2b, "0722100003", 120, "ACC-3")
    finally:
        endpoint.close()

    assert endpoint.calls == 1
    assert (recorded(local_stack, c2b, receipt).status_code == 200) is is_recorded


def test_a_merchant_validation_url_that_is_down_gets_the_default(
    local_stack: LocalStack, c2b: dict[str, str]
):
    admin(
        local_stack, "apps", "update", "demo-c2b", "--c2b-validation-url", "http://127.0.0.1:9/validate",
        "--c2b-when-unanswered", "reject",
    )  # fmt: skip

    receipt = pay(local_stack, c2b, "0722100004", 130, "ACC-4")

    assert recorded(local_stack, c2b, receipt).status_code == 404
