"""Ratiba standing orders and Bill Manager invoices over the running local stack."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
import requests

from mpesa_gateway.daraja.formats import nairobi_now
from tests.e2e.conftest import LocalStack
from tests.e2e.test_payouts_and_sms import bearer, call, rule

pytestmark = pytest.mark.e2e
__all__ = ["bearer"]  # the fixture, shared
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 15) -> T:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found is not None
    return found


def test_a_standing_order_is_approved_by_the_customer_and_becomes_an_event(
    local_stack: LocalStack, bearer: dict
):
    rule(local_stack, msisdn="254722300001", callback_delay_ms=100)
    today = nairobi_now().date()
    body = {
        "name": "Water bill",
        "phone_number": "0722300001",
        "amount": 800,
        "start_date": (today + timedelta(days=1)).isoformat(),
        "end_date": (today + timedelta(days=365)).isoformat(),
        "frequency": 4,
        "reference": "WATER-7",
    }

    answer = call(local_stack, bearer, "POST", "demo-express/standingOrders", json=body)

    assert answer.status_code == 200, answer.text
    transaction_id = answer.json()["data"]["transaction_id"]

    def created() -> dict[str, Any] | None:
        events = call(local_stack, bearer, "GET", "demo-express/events").json()["data"]
        return next(
            (
                e
                for e in events
                if e["type"] == "standing_order.created" and e["data"]["transaction_id"] == transaction_id
            ),
            None,
        )

    event = eventually(created)
    assert event["data"]["status"] == "COMPLETED"
    approved = requests.get(f"{local_stack.simulator}/simulator/standingOrders", timeout=5).json()
    assert "Water bill" in [order["name"] for order in approved["standing_orders"]]
