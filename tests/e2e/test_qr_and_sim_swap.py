"""Dynamic QR and SIM swap over the running local stack: the real functions in their containers, the
simulator behind them."""

from __future__ import annotations

import json

import pytest
import requests

from tests.e2e.conftest import LocalStack
from tests.e2e.test_payouts_and_sms import bearer, call
from tests.qr_images import qr_text

pytestmark = pytest.mark.e2e
__all__ = ["bearer"]  # the fixture, shared with the payout tests


def test_a_till_qr_code_from_the_stack_decodes_to_the_payment(local_stack: LocalStack, bearer: dict):
    body = {
        "merchant_name": "Demo Shop",
        "reference": "TABLE-4",
        "amount": 1200,
        "trx_code": "BG",
        "cpi": "373132",
    }

    answer = call(local_stack, bearer, "POST", "demo-c2b/generateQrCode", json=body)

    assert answer.status_code == 200, answer.text
    assert json.loads(qr_text(answer.json()["data"]["QRCode"])) == {
        "MerchantName": "Demo Shop", "RefNo": "TABLE-4", "Amount": 1200, "TrxCode": "BG", "CPI": "373132",
    }  # fmt: skip


def test_a_sim_swap_set_in_the_simulator_is_reported_within_the_window(local_stack: LocalStack, bearer: dict):
    swap = f"{local_stack.simulator}/simulator/sim-swaps/254722200014"
    requests.put(swap, json={"days_ago": 1}, timeout=5).raise_for_status()
    try:
        answer = call(local_stack, bearer, "GET", "demo-b2c/simSwap/0722200014", params={"within_days": 3})
    finally:
        requests.delete(swap, timeout=5).raise_for_status()

    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert (data["phone_number"], data["within_days"], data["swapped_within"]) == ("254722200014", 3, True)
    assert data["last_swap_at"].endswith("+03:00")
