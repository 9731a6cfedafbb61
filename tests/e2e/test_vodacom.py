"""MpesaTz and MpesaCongo over the running local stack: the push answered 202 and completed by the
worker its queue feeds (with the simulator's 2 s session activation), a DRC payout with cents."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture
def bearer(local_stack: LocalStack) -> dict[str, str]:
    answer = requests.post(f"{local_stack.api}/api/generate_token", auth=("demo", "demo-secret"), timeout=30)
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def call(stack: LocalStack, bearer: dict, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{stack.api}/api/pay/{path}", headers=bearer, timeout=30, **kwargs)


def test_a_tanzanian_push_is_accepted_at_once_and_completed_by_the_worker(
    local_stack: LocalStack, bearer: dict
):
    body = {"phone_number": "0754000001", "amount": 2500, "reference": "E2E1", "description": "Test"}
    accepted = call(local_stack, bearer, "POST", "demo-tz/requestPayment", json=body)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["data"]["status"] == "PENDING"  # answered before the customer acted
    transaction_id = accepted.json()["data"]["transaction_id"]

    deadline = time.monotonic() + 20
    while True:
        data = call(local_stack, bearer, "GET", f"demo-tz/checkPaymentRequestStatus/{transaction_id}").json()[
            "data"
        ]
        if data["status"] != "PENDING" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert (data["status"], data["ResultCode"], data["exact_amount"]) == ("COMPLETED", "INS-0", "2500")
    log = requests.get(
        f"{local_stack.simulator}/simulator/requests",
        params={"path": "/sandbox/ipg/v2/vodacomTZN/c2bPayment/singleStage/"},
        timeout=5,
    ).json()["requests"]
    # Sent once (other tests may have pushed on the same stack).
    assert [entry["body"]["input_ThirdPartyConversationID"] for entry in log].count(transaction_id) == 1


def test_a_drc_payout_keeps_its_cents_and_the_balance_query_is_refused(local_stack: LocalStack, bearer: dict):
    body = {"phone_number": "243812000002", "amount": "7.25", "reference": "E2E2"}
    paid = call(local_stack, bearer, "POST", "demo-drc/sendMoney", json=body)
    assert paid.status_code == 200, paid.text
    stored = call(
        local_stack, bearer, "GET", f"demo-drc/transactions/{paid.json()['data']['transaction_id']}"
    )
    data = stored.json()["data"]
    assert (data["status"], data["type"], data["vodacom"]["exact_amount"]) == ("COMPLETED", "B2C", "7.25")

    balance = call(local_stack, bearer, "GET", "demo-drc/checkBalance")
    assert balance.status_code == 400
    assert balance.json()["error"]["code"] == "operation_not_allowed"
