"""Bill Manager over the running local stack: its invoice store on DynamoDB Local (a batch too), the
payment notification through the local API, the event. (Ratiba's flow is covered in process, by
tests/integration/test_ratiba.py: its store calls are the tracked transactions' own.)"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import requests

from tests.e2e.conftest import LocalStack
from tests.e2e.test_payouts_and_sms import bearer, call

pytestmark = pytest.mark.e2e
__all__ = ["bearer"]  # the fixture, shared
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 15) -> T:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found is not None
    return found


def test_an_invoice_is_sent_paid_and_its_payment_becomes_an_event(local_stack: LocalStack, bearer: dict):
    opt_in = {"email": "billing@shop.example.com", "official_contact": "0712345678"}
    invoice = {
        "external_reference": "E2E-INV-1",
        "billed_full_name": "Jane Wanjiru",
        "billed_phone_number": "0722300002",
        "billed_period": "November 2026",
        "invoice_name": "Rent",
        "due_date": "2026-12-05",
        "account_reference": "HOUSE-12",
        "amount": 15000,
    }
    assert call(local_stack, bearer, "POST", "demo-c2b/billManager/optIn", json=opt_in).status_code == 200
    sent = call(local_stack, bearer, "POST", "demo-c2b/invoices", json=invoice)
    assert sent.status_code == 200, sent.text
    # A batch repeating it sends only the new invoice, in one bulk call.
    flat = {**invoice, "external_reference": "E2E-INV-2", "account_reference": "HOUSE-14"}
    batch = call(local_stack, bearer, "POST", "demo-c2b/bulkInvoices", json={"invoices": [invoice, flat]})
    assert batch.status_code == 200, batch.text
    assert [entry["sent_now"] for entry in batch.json()["data"]["invoices"]] == [False, True]

    paid = requests.post(
        f"{local_stack.simulator}/simulator/billManager/payments",
        json={"external_reference": "E2E-INV-1"},
        timeout=30,
    ).json()

    payment_id = f"txn_bill_{paid['transactionId']}"
    found = call(local_stack, bearer, "GET", "demo-c2b/invoices/E2E-INV-1").json()["data"]
    assert (found["status"], found["paid_by"]) == ("paid", payment_id)

    def event() -> dict[str, Any] | None:
        events = call(local_stack, bearer, "GET", "demo-c2b/events", params={"type": "invoice.paid"}).json()
        return next((e for e in events["data"] if e["data"]["transaction_id"] == payment_id), None)

    assert eventually(event)["data"]["amount"] == 15000
