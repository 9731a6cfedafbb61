"""The STK flow over HTTP against the running local stack, as a merchant would use it with curl."""

from __future__ import annotations

import functools
import time
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack

FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}

pytestmark = pytest.mark.e2e


@functools.cache
def bearer(api: str) -> dict[str, str]:
    credentials = {"client_id": "demo", "client_secret": "demo-secret"}
    token = requests.post(f"{api}/api/generate_token", json=credentials, timeout=30).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def pay(stack: LocalStack, phone: str, **overrides: Any) -> requests.Response:
    body = {"phone_number": phone, "amount": 1, "reference": "ORDER-001", "description": "Test", **overrides}
    url = f"{stack.api}/api/pay/demo-express/requestPayment"
    return requests.post(url, json=body, headers=bearer(stack.api), timeout=30)


def status(stack: LocalStack, reference: str) -> dict[str, Any]:
    url = f"{stack.api}/api/pay/demo-express/checkPaymentRequestStatus/{reference}"
    answer = requests.get(url, headers=bearer(stack.api), timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def wait_final(stack: LocalStack, reference: str, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (data := status(stack, reference))["status"] not in FINAL and time.monotonic() < deadline:
        time.sleep(0.3)
    return data


def rule(stack: LocalStack, **values: Any) -> None:
    requests.post(f"{stack.simulator}/simulator/rules", json=values, timeout=5).raise_for_status()


def callbacks_to(stack: LocalStack, checkout_id: str, at_least: int = 0) -> list[dict[str, Any]]:
    """Deliveries to this checkout; the simulator logs one only after the gateway answered it."""
    deadline = time.monotonic() + 5
    while len(found := _delivered(stack, checkout_id)) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def _delivered(stack: LocalStack, checkout_id: str) -> list[dict[str, Any]]:
    delivered = requests.get(f"{stack.simulator}/simulator/callbacks", timeout=5).json()["callbacks"]
    stk = [c for c in delivered if "Body" in c["body"]]  # the log also holds C2B deliveries
    return [c for c in stk if c["body"]["Body"]["stkCallback"]["CheckoutRequestID"] == checkout_id]


def test_push_callback_status(local_stack: LocalStack):
    answer = pay(local_stack, "0712345678")

    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["ResponseCode"] == "0"
    assert data["CustomerMessage"] == "Success. Request accepted for processing"
    assert wait_final(local_stack, data["transaction_id"])["status"] == "COMPLETED"
    assert [c["status"] for c in callbacks_to(local_stack, data["CheckoutRequestID"], at_least=1)] == [200]
    # Read after the callback: under load the status route's STK Query may settle it first (no receipt),
    # and the callback then adds the receipt.
    settled = status(local_stack, data["transaction_id"])
    assert settled["status"] == "COMPLETED"
    assert settled["receipt_number"]
    assert settled["CheckoutRequestID"] == data["CheckoutRequestID"]


@pytest.mark.parametrize(
    ("phone", "code", "expected"), [("0722000001", 1032, "CANCELLED"), ("0722000002", 1037, "TIMEOUT")]
)
def test_customer_cancels_or_never_answers(local_stack: LocalStack, phone: str, code: int, expected: str):
    rule(local_stack, msisdn="254" + phone[1:], result_code=code, callback_delay_ms=200)

    data = pay(local_stack, phone).json()["data"]
    settled = wait_final(local_stack, data["CheckoutRequestID"])

    assert settled["status"] == expected
    assert settled["ResultCode"] == str(code)


def test_duplicate_callbacks_are_acknowledged_and_change_nothing(local_stack: LocalStack):
    rule(local_stack, msisdn="254722000003", duplicate_callbacks=2, callback_delay_ms=200)

    data = pay(local_stack, "0722000003").json()["data"]
    first = wait_final(local_stack, data["transaction_id"])
    delivered = callbacks_to(local_stack, data["CheckoutRequestID"], at_least=3)

    assert [c["status"] for c in delivered] == [200, 200, 200]
    assert status(local_stack, data["transaction_id"]) == first


def test_dropped_callback_then_status_query(local_stack: LocalStack):
    rule(local_stack, msisdn="254722000004", result_code=0, drop_callback=True, callback_delay_ms=300)

    data = pay(local_stack, "0722000004").json()["data"]
    settled = wait_final(local_stack, data["transaction_id"])

    assert callbacks_to(local_stack, data["CheckoutRequestID"]) == []
    assert settled["status"] == "COMPLETED"
    assert settled["settled_by"] == "query"


def test_lost_callback_is_settled_by_the_scheduled_reconciler(local_stack: LocalStack):
    rule(local_stack, msisdn="254722000006", result_code=1032, drop_callback=True, callback_delay_ms=100)

    data = pay(local_stack, "0722000006").json()["data"]
    reconciled = "reconciler: {'CANCELLED': 1}"
    deadline = time.monotonic() + 15
    while reconciled not in local_stack.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.3)

    # Settled by the schedule itself: no merchant asked for the status before this point.
    assert reconciled in local_stack.log.read_text()
    settled = status(local_stack, data["transaction_id"])
    assert settled["status"] == "CANCELLED"
    assert settled["settled_by"] == "query"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": 2.5}, "amount"),
        ({"phone_number": "12345"}, "phone_number"),
        ({"reference": "THIRTEEN-CHRS"}, "reference"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(local_stack: LocalStack, body: dict, field: str):
    answer = pay(local_stack, **{"phone": "0712345678", **body})

    assert answer.status_code == 400
    assert field in answer.json()["error"]["message"]


def test_unknown_route_and_missing_credentials(local_stack: LocalStack):
    unknown = requests.get(f"{local_stack.api}/api/pay/demo-express/nothing", timeout=5)
    anonymous = requests.post(f"{local_stack.api}/api/pay/demo-express/requestPayment", json={}, timeout=5)

    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "route_not_found"
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="mpesa-gateway"'
