"""Payouts, account requests and SMS extraction over the running local stack."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

FINAL = {"COMPLETED", "FAILED", "TIMEOUT", "REVERSED"}


@pytest.fixture
def bearer(local_stack: LocalStack) -> dict[str, str]:
    answer = requests.post(f"{local_stack.api}/api/generate_token", auth=("demo", "demo-secret"), timeout=30)
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def call(stack: LocalStack, bearer: dict, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{stack.api}/api/pay/{path}", headers=bearer, timeout=30, **kwargs)


def final(stack: LocalStack, bearer: dict, app: str, transaction_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        data = call(stack, bearer, "GET", f"{app}/transactions/{transaction_id}").json()["data"]
        if data["status"] in FINAL or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def send(stack: LocalStack, bearer: dict, phone: str, amount: int = 500) -> dict[str, Any]:
    body = {"phone_number": phone, "amount": amount, "command_id": "SalaryPayment", "remarks": "Salary"}
    answer = call(stack, bearer, "POST", "demo-b2c/sendMoney", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def rule(stack: LocalStack, **values: Any) -> None:
    requests.post(f"{stack.simulator}/simulator/rules", json=values, timeout=5).raise_for_status()


def test_a_b2c_payout_is_paid_then_reversed(local_stack: LocalStack, bearer: dict):
    payout = final(local_stack, bearer, "demo-b2c", send(local_stack, bearer, "0722200001")["transaction_id"])
    assert (payout["status"], payout["type"]) == ("COMPLETED", "B2C")

    reversal = call(local_stack, bearer, "POST", f"demo-b2c/reverseTransaction/{payout['transaction_id']}")
    assert reversal.status_code == 200
    assert (
        final(local_stack, bearer, "demo-b2c", reversal.json()["data"]["transaction_id"])["status"]
        == "COMPLETED"
    )
    assert final(local_stack, bearer, "demo-b2c", payout["transaction_id"])["status"] == "REVERSED"


def test_a_queue_timeout_alone_leaves_the_payout_pending_with_do_not_resend(
    local_stack: LocalStack, bearer: dict
):
    rule(local_stack, msisdn="254722200002", callback_delay_ms=100, timeout=True)

    data = send(local_stack, bearer, "0722200002")
    time.sleep(1.5)  # the timeout has landed (and the reconciler has asked Transaction Status)

    found = call(local_stack, bearer, "GET", f"demo-b2c/transactions/{data['transaction_id']}").json()["data"]
    assert found["status"] == "PENDING"
    assert "do not resend" in found["error"]


def test_a_result_after_the_queue_timeout_completes_the_payout(local_stack: LocalStack, bearer: dict):
    rule(local_stack, msisdn="254722200003", callback_delay_ms=100, result_and_timeout=True)

    data = send(local_stack, bearer, "0722200003")

    assert final(local_stack, bearer, "demo-b2c", data["transaction_id"])["status"] == "COMPLETED"


def test_balance_of_a_b2c_app(local_stack: LocalStack, bearer: dict):
    answer = call(local_stack, bearer, "GET", "demo-b2c/checkBalance")

    query = final(local_stack, bearer, "demo-b2c", answer.json()["data"]["transaction_id"])
    assert query["status"] == "COMPLETED"
    assert query["balance"]["accounts"][0]["account"] == "Working Account"


def test_sms_extraction_and_balance(local_stack: LocalStack, bearer: dict):
    message = (
        "QJI3R7GXZZ Confirmed. Ksh1,234.50 received from MARY W 0711000111 on 1/11/26 at 9:05 AM. "
        "New M-PESA balance is Ksh9,999.50."
    )

    first = call(local_stack, bearer, "POST", "demo-personal/extractTransaction", json={"message": message})
    again = call(local_stack, bearer, "POST", "demo-personal/extractTransaction", json={"message": message})
    balance = call(local_stack, bearer, "GET", "demo-personal/checkBalance")
    refused = call(
        local_stack, bearer, "POST", "demo-personal/extractTransaction", json={"message": "Hi mum"}
    )

    assert (first.json()["data"]["amount"], first.json()["data"]["already_recorded"]) == ("1234.50", False)
    assert again.json()["data"]["already_recorded"] is True
    assert balance.json()["data"]["balance"] == "9999.50"
    assert refused.status_code == 422
