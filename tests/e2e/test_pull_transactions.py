"""Pull Transactions over the running local stack: a confirmation M-Pesa never delivered is recovered,
recorded once, and published as c2b.received like any confirmed payment."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack
from tests.e2e.test_c2b import c2b, pay, recorded

pytestmark = pytest.mark.e2e
__all__ = ["c2b"]  # the fixture, used below by name

PAYER = "254722100009"


def pull(stack: LocalStack, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = requests.post(
        f"{stack.api}/api/pay/demo-c2b/pullTransactions", json=body, headers=headers, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_a_dropped_confirmation_is_recovered_by_a_pull_and_published(local_stack: LocalStack, c2b):
    requests.post(
        f"{local_stack.simulator}/simulator/rules", json={"msisdn": PAYER, "drop_callback": True}, timeout=5
    ).raise_for_status()
    receipt = pay(local_stack, c2b, "0722100009", 180, "PULL-1")
    assert recorded(local_stack, c2b, receipt).status_code == 404  # the confirmation never came

    first = pull(local_stack, c2b, nominated_number="0722000000")  # registers demo-c2b's short code too
    again = pull(local_stack, c2b)

    assert first["recorded"] >= 1  # this payment, and any other this stack's tests lost
    assert (again["recorded"], again["already_known"]) == (0, again["seen"])
    transaction = recorded(local_stack, c2b, receipt).json()["data"]
    assert (transaction["status"], transaction["settled_by"], transaction["amount"]) == (
        "COMPLETED",
        "pull",
        180,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        events = requests.get(
            f"{local_stack.api}/api/pay/demo-c2b/events",
            params={"type": "c2b.received"},
            headers=c2b,
            timeout=30,
        ).json()["data"]
        if any(event["data"]["transaction_id"] == transaction["transaction_id"] for event in events):
            return
        time.sleep(0.3)
    pytest.fail("no c2b.received event for the pulled payment")
