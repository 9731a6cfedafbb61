"""A B2C account top-up and a Pochi payout over the running local stack (functions in their containers,
DynamoDB Local, the simulator's callbacks over HTTP); tax remittance shares the top-up's machinery and
is covered in tests/integration, which spares the suite another function's cold start."""

from __future__ import annotations

import pytest
import requests

from tests.e2e import test_payouts_and_sms as payouts
from tests.e2e.conftest import LocalStack
from tests.e2e.test_payouts_and_sms import call, final, rule

pytestmark = pytest.mark.e2e
bearer = payouts.bearer  # the demo merchant's Authorization header, a fixture


def utility_balance(stack: LocalStack, short_code: str) -> float:
    accounts = requests.get(f"{stack.simulator}/simulator/accounts", timeout=5).json()["accounts"]
    return next((found["utility"] for found in accounts if found["short_code"] == short_code), 228037.0)


def pochi_balance(stack: LocalStack, msisdn: str) -> int:
    balances = requests.get(f"{stack.simulator}/simulator/pochi", timeout=5).json()["balances"]
    return int(balances.get(msisdn, 0))


def test_the_b2b_app_tops_up_the_b2c_app_whose_utility_account_then_pays_a_pochi(
    local_stack: LocalStack, bearer: dict
):
    for party in ("600992", "600997"):
        rule(local_stack, party=party, callback_delay_ms=50)
    before = utility_balance(local_stack, "600997")
    pochi_before = pochi_balance(local_stack, "254722200009")

    top_up = requests.post(
        f"{local_stack.api}/api/pay/demo-b2b/topUpB2cAccount",
        json={"b2c_short_code": "600997", "amount": 30000},
        headers={**bearer, "Idempotency-Key": "float-e2e"},
        timeout=30,
    )
    pochi = call(
        local_stack, bearer, "POST", "demo-b2c/sendMoney",
        json={"phone_number": "0722200009", "amount": 1500, "command_id": "BusinessPayToPochi"},
    )  # fmt: skip

    assert (top_up.status_code, pochi.status_code) == (200, 200), top_up.text
    topped = final(local_stack, bearer, "demo-b2b", top_up.json()["data"]["transaction_id"])
    paid = final(local_stack, bearer, "demo-b2c", pochi.json()["data"]["transaction_id"])
    assert [(found["type"], found["status"]) for found in (topped, paid)] == [
        ("B2C_TOPUP", "COMPLETED"),
        ("B2POCHI", "COMPLETED"),
    ]
    assert utility_balance(local_stack, "600997") == before + 30000 - 1500
    assert pochi_balance(local_stack, "254722200009") == pochi_before + 1500
