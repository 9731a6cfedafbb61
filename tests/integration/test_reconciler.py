"""The scheduled reconciler: pushes whose callback never came are settled by STK Query."""

from __future__ import annotations

import time

import pytest

from infra.routes import FUNCTIONS_DIR, RECONCILER
from local.apigw.invoker import Invoker
from mpesa_gateway.config import get_settings
from tests.integration.conftest import Gateway
from tests.integration.test_express import PAYMENT

SCHEDULED_EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@pytest.fixture
def reconcile(monkeypatch: pytest.MonkeyPatch, gateway: Gateway):
    monkeypatch.setenv("RECONCILE_AFTER_SECONDS", "0")
    monkeypatch.setenv("STATUS_QUERY_INTERVAL_SECONDS", "0")
    get_settings.cache_clear()
    invoker = Invoker(FUNCTIONS_DIR, "af-south-1", "000000000000")
    return lambda: invoker.invoke(RECONCILER, SCHEDULED_EVENT)


def stored(gateway: Gateway, transaction_id: str) -> dict:
    return gateway.items(f"TXN#{transaction_id}")[0]


def test_lost_callbacks_are_settled_and_settled_ones_leave_the_pending_index(gateway: Gateway, reconcile):
    gateway.rule(msisdn="254712345678", drop_callback=True, callback_delay_ms=100)
    gateway.rule(msisdn="254722000005", result_code=1032, drop_callback=True, callback_delay_ms=100)
    paid = gateway.request_payment(PAYMENT).get_json()["data"]
    cancelled = gateway.request_payment({**PAYMENT, "phone_number": "0722000005"}).get_json()["data"]
    time.sleep(0.3)

    tally = reconcile()

    assert tally == {"COMPLETED": 1, "CANCELLED": 1}
    assert stored(gateway, paid["transaction_id"])["settled_by"] == "query"
    assert stored(gateway, cancelled["transaction_id"])["status"] == "CANCELLED"
    assert "pending_pk" not in stored(gateway, paid["transaction_id"])
    assert reconcile() == {}


def test_prompt_still_open_stays_pending(gateway: Gateway, reconcile):
    gateway.rule(msisdn="254712345678", callback_delay_ms=10_000)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    assert reconcile() == {"PENDING": 1}
    assert stored(gateway, data["transaction_id"])["status"] == "PENDING"


def test_push_without_checkout_id_waits_for_its_callback(gateway: Gateway, reconcile):
    gateway.rule(msisdn="254712345678", response_delay_ms=2000, callback_delay_ms=60_000)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    assert reconcile() == {"awaiting_callback": 1}
    assert stored(gateway, data["transaction_id"])["status"] == "PENDING"
