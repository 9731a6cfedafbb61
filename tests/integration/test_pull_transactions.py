"""Pull Transactions with the simulator: a dropped confirmation is recovered, and a payment is one
transaction however often it is pulled and whether its confirmation comes first, late, or never."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.routes import FUNCTIONS_DIR, PULL_C2B
from local.apigw.invoker import Invoker
from mpesa_gateway.c2b import pull
from tests.integration.conftest import Gateway
from tests.integration.test_c2b import confirm, payment, simulate, simulated_payments

PAYER = "254708374149"
SCHEDULED_EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def pull_now(gateway: Gateway, app: str = "demo-c2b", **body: Any):
    return gateway.client.post(f"/api/pay/{app}/pullTransactions", json=body, headers=gateway.auth("demo"))


def paid_and_dropped(gateway: Gateway) -> str:
    """demo-c2b registered for its URLs and for pull; a customer pays and the confirmation is dropped."""
    gateway.client.post("/api/pay/demo-c2b/registerUrls", headers=gateway.auth("demo"))
    assert pull_now(gateway, nominated_number=PAYER).status_code == 200
    gateway.rule(msisdn=PAYER, drop_callback=True, callback_delay_ms=0)
    assert simulate(gateway, phone_number=PAYER).status_code == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        done = [p for p in simulated_payments(gateway) if p["confirmed"]]
        if done:
            return done[0]["trans_id"]
        time.sleep(0.05)
    raise AssertionError("the simulated payment never completed")


def counts(answer: Any) -> tuple[int, int, int, int]:
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()["data"]
    return data["seen"], data["recorded"], data["already_known"], data["not_recorded"]


def test_a_dropped_confirmation_is_recovered_once_however_often_pulled_or_confirmed_late(gateway: Gateway):
    receipt = paid_and_dropped(gateway)
    assert gateway.items("TXN#") == []
    confirmations = [c for c in gateway.delivered_callbacks() if "callback/confirmation" in c["url"]]
    assert confirmations == []  # the rule dropped it: only the validation request went

    assert counts(pull_now(gateway)) == (1, 1, 0, 0)

    (stored,) = gateway.items("TXN#")
    assert stored["transaction_id"] == f"txn_c2b_demo-c2b_{receipt}"
    assert (stored["status"], stored["settled_by"], stored["type"]) == ("COMPLETED", "pull", "C2B")
    assert (stored["amount"], stored["reference"], stored["phone_number"]) == (100, "INV-2026-001", PAYER)
    assert stored["validation"].startswith("accepted 0")  # its validation request, as a confirmation copies
    seen = gateway.client.get(f"/api/pay/demo-c2b/transactions/{receipt}", headers=gateway.auth("demo"))
    assert seen.get_json()["data"]["settled_by"] == "pull"

    # Pulled again: known. Its confirmation, late: a duplicate. Still one transaction, settled by the pull.
    assert counts(pull_now(gateway)) == (1, 0, 1, 0)
    assert confirm(gateway, payment(receipt, MSISDN=PAYER)).status_code == 200
    (still,) = gateway.items("TXN#")
    assert still == stored
    outcomes = [item["outcome"] for item in gateway.items(f"CALLBACK#demo-c2b#{receipt}")]
    assert "duplicate" in outcomes


def test_a_pull_after_the_confirmation_knows_it(gateway: Gateway):
    gateway.client.post("/api/pay/demo-c2b/registerUrls", headers=gateway.auth("demo"))
    pull_now(gateway, nominated_number=PAYER)
    gateway.rule(msisdn=PAYER, callback_delay_ms=0)
    simulate(gateway, phone_number=PAYER)
    deadline = time.monotonic() + 5
    while not gateway.items("TXN#") and time.monotonic() < deadline:
        time.sleep(0.05)

    assert counts(pull_now(gateway)) == (1, 0, 1, 0)
    (stored,) = gateway.items("TXN#")
    assert stored["settled_by"] == "confirmation"


def test_the_scheduled_pull_records_each_c2b_apps_missed_payments(gateway: Gateway, monkeypatch):
    receipt = paid_and_dropped(gateway)
    monkeypatch.setattr(pull, "SETTLE_MARGIN", timedelta(0))  # the payment is seconds old
    invoker = Invoker(FUNCTIONS_DIR, "af-south-1", "000000000000")

    tally = invoker.invoke(PULL_C2B, SCHEDULED_EVENT)

    assert tally == {"seen": 1, "recorded": 1, "already_known": 0, "not_recorded": 0}
    (stored,) = gateway.items("TXN#")
    assert (stored["receipt_number"], stored["settled_by"]) == (receipt, "pull")


BAD_WINDOWS = [
    ({"start": (datetime.now(UTC) - timedelta(hours=50)).isoformat()}, "start"),
    ({"end": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "end"),
    (
        {"start": datetime.now(UTC).isoformat(), "end": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
        "start",
    ),
    ({"start": "2026-03-15T08:00:00"}, "start"),
    ({"since": "yesterday"}, "since"),
]


def test_what_cannot_be_pulled_is_refused_clearly_and_changes_nothing(gateway: Gateway):
    gateway.token("demo")
    calls = len(gateway.simulator_log_all())
    for body, field in BAD_WINDOWS:
        answer = pull_now(gateway, **body)

        assert answer.status_code == 400, body
        assert field in str(answer.get_json()["error"])
    assert len(gateway.simulator_log_all()) == calls  # Daraja was asked nothing

    not_c2b = pull_now(gateway, app="demo-express")
    assert not_c2b.status_code == 400
    assert "MpesaKeExpress" in not_c2b.get_json()["error"]["message"]

    unregistered = pull_now(gateway)  # Daraja's refusal, passed on
    assert unregistered.status_code == 400
    assert unregistered.get_json()["error"]["code"] == "daraja_rejected"
    assert "not registered for pull" in unregistered.get_json()["error"]["message"]
    assert gateway.items("TXN#") == []
