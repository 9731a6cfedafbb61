"""Bill Manager: opt-in, invoices sent and cancelled, and payments recorded against them (or kept when
they fit no open invoice), through the gateway and the simulator."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mpesa_gateway.errors import StorageUnavailable
from mpesa_gateway.store.transactions import DynamoTransactionStore
from tests.integration.conftest import Gateway
from tests.integration.test_money_safety import fault, reconcile

__all__ = ["reconcile"]  # the fixture, shared

APP = "demo-c2b"
OPT_IN = {"email": "billing@shop.example.com", "official_contact": "0712345678", "send_reminders": True}
INVOICE = {
    "external_reference": "INV-0042",
    "billed_full_name": "Jane Wanjiru",
    "billed_phone_number": "0712345678",
    "billed_period": "November 2026",
    "invoice_name": "School fees",
    "due_date": "2026-12-15",
    "account_reference": "STUDENT-7",
    "amount": 800,
    "invoice_items": [{"item_name": "Tuition", "amount": 700}, {"item_name": "Lunch", "amount": 100}],
}
SEND = "/v1/billmanager-invoice/single-invoicing"


def merchant(gateway: Gateway, method: str, path: str, body: Any = None, app: str = APP):
    headers = gateway.auth("demo")
    return gateway.client.open(f"/api/pay/{app}/{path}", method=method, json=body, headers=headers)


def pay(gateway: Gateway, **order: Any) -> dict[str, Any]:
    answer = requests.post(f"{gateway.simulator_url}/simulator/billManager/payments", json=order, timeout=10)
    assert answer.status_code == 202, answer.text
    return answer.json()


def payment(gateway: Gateway, receipt: str) -> dict[str, Any]:
    return merchant(gateway, "GET", f"transactions/txn_bill_{receipt}").get_json()["data"]


def opted_in_with_invoice(gateway: Gateway) -> dict[str, Any]:
    assert merchant(gateway, "POST", "billManager/optIn", OPT_IN).status_code == 200
    answer = merchant(gateway, "POST", "invoices", INVOICE)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["data"]


def test_an_invoice_is_sent_then_paid_once_and_its_payment_recorded(gateway: Gateway):
    opted = merchant(gateway, "POST", "billManager/optIn", OPT_IN)
    sent = merchant(gateway, "POST", "invoices", INVOICE).get_json()["data"]

    assert (opted.status_code, opted.get_json()["data"]["rescode"]) == (200, "200")
    assert opted.get_json()["data"]["app_key"].startswith("AG_")
    callback = gateway.simulator_log("/v1/billmanager-invoice/optin")[0]["body"]["callbackurl"]
    assert "/api/pay/demo-c2b/callback/billManager?secret=" in callback
    assert sent["status"] == "sent"
    body = gateway.simulator_log(SEND)[0]["body"]
    assert (body["billedPhoneNumber"], body["dueDate"], body["amount"]) == ("0712345678", "2026-12-15", 800)
    assert body["invoiceItems"] == [
        {"itemName": "Tuition", "amount": 700},
        {"itemName": "Lunch", "amount": 100},
    ]

    notice = pay(gateway, external_reference="INV-0042")["notification"]
    secret = {"secret": "demo-c2b-callback-secret"}
    replayed = gateway.client.post("/api/pay/demo-c2b/callback/billManager", json=notice, query_string=secret)

    assert replayed.get_json() == {"rescode": "200", "resmsg": "Success"}
    paid = payment(gateway, notice["transactionId"])
    assert (paid["type"], paid["status"], paid["amount"]) == ("INVOICE_PAYMENT", "COMPLETED", 800)
    assert paid["conflict"] is None
    assert paid["invoice"] == {"external_reference": "INV-0042", "short_code": "600984"}
    invoice = merchant(gateway, "GET", "invoices/INV-0042").get_json()["data"]
    assert (invoice["status"], invoice["paid_by"]) == ("paid", paid["transaction_id"])
    outcomes = sorted(item["outcome"] for item in gateway.items("CALLBACK#demo-c2b#"))
    assert outcomes == ["duplicate", "recorded"]
    assert merchant(gateway, "DELETE", "invoices/INV-0042").status_code == 409  # a paid invoice stays paid


def test_a_cancelled_invoice_cannot_be_paid_and_its_payment_is_kept_as_a_conflict(gateway: Gateway):
    opted_in_with_invoice(gateway)

    cancelled = merchant(gateway, "DELETE", "invoices/INV-0042")
    again = merchant(gateway, "DELETE", "invoices/INV-0042")
    notice = pay(gateway, account_reference="STUDENT-7", short_code="600984", amount=800)["notification"]

    assert (cancelled.status_code, cancelled.get_json()["data"]["status"]) == (200, "cancelled")
    assert again.get_json()["data"]["status"] == "cancelled"
    assert len(gateway.simulator_log("/v1/billmanager-invoice/cancel-single-invoice")) == 1
    kept = payment(gateway, notice["transactionId"])
    assert (kept["status"], kept["invoice"]["external_reference"]) == ("COMPLETED", "INV-0042")
    assert "cancelled" in kept["conflict"]
    assert merchant(gateway, "GET", "invoices/INV-0042").get_json()["data"]["status"] == "cancelled"


def test_a_payment_of_no_known_invoice_or_in_part_is_kept_and_says_so(gateway: Gateway):
    opted_in_with_invoice(gateway)

    unknown = pay(gateway, account_reference="NOBODY", short_code="600984", amount=50)["notification"]
    part = pay(gateway, account_reference="student-7", short_code="600984", amount=300)["notification"]

    assert "no invoice" in payment(gateway, unknown["transactionId"])["conflict"]
    assert "part payment" in payment(gateway, part["transactionId"])["conflict"]
    assert merchant(gateway, "GET", "invoices/INV-0042").get_json()["data"]["status"] == "sent"


def test_a_resent_invoice_is_answered_without_sending_it_again_and_other_details_conflict(gateway: Gateway):
    opted_in_with_invoice(gateway)

    same = merchant(gateway, "POST", "invoices", INVOICE)
    other = merchant(gateway, "POST", "invoices", {**INVOICE, "amount": 900, "invoice_items": []})

    assert (same.status_code, same.get_json()["data"]["status"]) == (200, "sent")
    assert other.status_code == 409
    assert len(gateway.simulator_log(SEND)) == 1


def test_refusals_change_nothing(gateway: Gateway):
    not_opted_in = merchant(gateway, "POST", "invoices", INVOICE)  # Daraja refuses: no short code opted in
    bad_period = merchant(gateway, "POST", "invoices", {**INVOICE, "billed_period": "Nov 2026"})
    express = merchant(gateway, "POST", "invoices", INVOICE, app="demo-express")
    unknown = merchant(gateway, "DELETE", "invoices/INV-0042")

    assert (not_opted_in.status_code, not_opted_in.get_json()["error"]["code"]) == (424, "daraja_rejected")
    assert bad_period.status_code == 400
    assert "billed_period" in bad_period.get_data(as_text=True)
    assert express.status_code == 400
    assert "MpesaKeExpress" in express.get_json()["error"]["message"]
    assert unknown.status_code == 404
    assert gateway.items("INVOICE") == []


def test_a_notification_stored_but_not_recorded_is_recorded_by_the_reconciler(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, reconcile
):
    opted_in_with_invoice(gateway)

    def throttled(*_: Any, **__: Any) -> None:
        raise StorageUnavailable("DynamoDB throttled the put")

    with monkeypatch.context() as patch:
        patch.setattr(DynamoTransactionStore, "create", throttled)
        notice = pay(gateway, external_reference="INV-0042")["notification"]  # acknowledged all the same

    assert gateway.items(f"TXN#txn_bill_{notice['transactionId']}") == []
    assert reconcile()["callback_reapplied"] == 1
    paid = payment(gateway, notice["transactionId"])
    assert (paid["status"], paid["conflict"]) == (
        "COMPLETED",
        None,
    )  # the invoice it had already paid is its own
    invoice = merchant(gateway, "GET", "invoices/INV-0042").get_json()["data"]
    assert (invoice["status"], invoice["paid_by"]) == ("paid", paid["transaction_id"])


# --- bulk invoicing ------------------------------------------------------------------------------

BULK = "/v1/billmanager-invoice/bulk-invoicing"


def batch(*references: str, **changes: Any) -> dict[str, Any]:
    return {"invoices": [{**INVOICE, "external_reference": ref, **changes} for ref in references]}


def test_a_batch_is_stored_and_sent_in_one_call_and_a_replay_sends_nothing_new(gateway: Gateway):
    opted_in_with_invoice(gateway)  # INV-0042 was sent on its own

    sent = merchant(gateway, "POST", "bulkInvoices", batch("INV-0042", "INV-0043", "INV-0044"))
    replayed = merchant(gateway, "POST", "bulkInvoices", batch("INV-0042", "INV-0043", "INV-0044"))

    assert sent.status_code == 200, sent.get_data(as_text=True)
    assert [
        (r["external_reference"], r["status"], r["sent_now"]) for r in sent.get_json()["data"]["invoices"]
    ] == [
        ("INV-0042", "sent", False),
        ("INV-0043", "sent", True),
        ("INV-0044", "sent", True),
    ]
    calls = gateway.simulator_log(BULK)
    assert len(calls) == 1  # one Daraja call, a bare array of the new invoices only
    assert [(entry["externalReference"], entry["billedPhoneNumber"]) for entry in calls[0]["body"]] == [
        ("INV-0043", "0712345678"),
        ("INV-0044", "0712345678"),
    ]
    assert replayed.status_code == 200
    assert [r["sent_now"] for r in replayed.get_json()["data"]["invoices"]] == [False, False, False]
    assert len(gateway.simulator_log(BULK)) == 1
    assert merchant(gateway, "GET", "invoices/INV-0044").get_json()["data"]["status"] == "sent"
    kept = requests.get(f"{gateway.simulator_url}/simulator/billManager/invoices", timeout=5).json()
    assert sorted(invoice["external_reference"] for invoice in kept["invoices"]) == [
        "INV-0042",
        "INV-0043",
        "INV-0044",
    ]


def test_a_bad_entry_refuses_the_whole_batch_and_nothing_is_sent_or_stored(gateway: Gateway):
    not_opted_in = merchant(gateway, "POST", "bulkInvoices", batch("INV-0043", "INV-0044"))
    opted_in_with_invoice(gateway)
    invalid = merchant(
        gateway,
        "POST",
        "bulkInvoices",
        {
            "invoices": [
                batch("INV-0043")["invoices"][0],
                {**INVOICE, "external_reference": "INV-0044", "amount": 0},
            ]
        },
    )
    repeated = merchant(gateway, "POST", "bulkInvoices", batch("INV-0043", "INV-0044", "INV-0043"))
    conflicting = merchant(
        gateway, "POST", "bulkInvoices", batch("INV-0043", "INV-0042", amount=900, invoice_items=[])
    )

    assert (not_opted_in.status_code, not_opted_in.get_json()["error"]["code"]) == (424, "daraja_rejected")
    assert invalid.status_code == 400
    assert [f["field"] for f in invalid.get_json()["error"]["fields"]] == ["invoices[1].amount"]
    assert repeated.status_code == 400
    assert repeated.get_json()["error"]["fields"] == [
        {"field": "invoices[2].external_reference", "problem": "repeats invoices[0].external_reference"}
    ]
    assert conflicting.status_code == 409
    assert "invoices[1]: Invoice 'INV-0042'" in conflicting.get_json()["error"]["message"]
    assert [item["external_reference"] for item in gateway.items("INVOICE#")] == ["INV-0042"]
    assert len(gateway.simulator_log(BULK)) == 1  # only the refused call of the app not opted in


def test_a_batch_whose_answer_is_lost_is_kept_with_a_note_and_never_resent(gateway: Gateway):
    opted_in_with_invoice(gateway)
    fault(gateway, BULK, "reset", processed=True)

    lost = merchant(gateway, "POST", "bulkInvoices", batch("INV-0043", "INV-0044"))
    replayed = merchant(gateway, "POST", "bulkInvoices", batch("INV-0043", "INV-0044"))

    assert lost.status_code == 202
    assert all(r["sent_now"] and "not received" in r["error"] for r in lost.get_json()["data"]["invoices"])
    assert replayed.status_code == 200
    assert all(not r["sent_now"] and r["error"] for r in replayed.get_json()["data"]["invoices"])
    assert len(gateway.simulator_log(BULK)) == 1
