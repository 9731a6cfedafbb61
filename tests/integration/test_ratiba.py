"""Ratiba standing orders: the request, the customer's answer by callback, idempotency and refusals."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from local.in_process import reset_gateway_caches
from mpesa_gateway.config import get_settings
from mpesa_gateway.daraja.formats import nairobi_now
from mpesa_gateway.errors import StorageUnavailable
from mpesa_gateway.models import LipaCommand
from mpesa_gateway.store.registry import DynamoRegistry
from mpesa_gateway.store.transactions import DynamoTransactionStore
from tests.integration.conftest import Gateway
from tests.integration.test_money_safety import reconcile

__all__ = ["reconcile"]  # the fixture, shared

TODAY = nairobi_now().date()
ORDER = {
    "name": "Gym membership",
    "phone_number": "0712345678",
    "amount": 1500,
    "start_date": (TODAY + timedelta(days=1)).isoformat(),
    "end_date": (TODAY + timedelta(days=366)).isoformat(),
    "frequency": 4,
    "reference": "MEMBER-42",
}
CREATE = "/standingorder/v1/createStandingOrderExternal"


def create(gateway: Gateway, body: dict[str, Any], app: str = "demo-express", **headers: str):
    headers = {**gateway.auth("demo"), **headers}
    return gateway.client.post(f"/api/pay/{app}/standingOrders", json=body, headers=headers)


def wait_final(gateway: Gateway, transaction_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 8
    while True:
        path = f"/api/pay/demo-express/transactions/{transaction_id}"
        found = gateway.client.get(path, headers=gateway.auth("demo")).get_json()["data"]
        if found["status"] != "PENDING" or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_an_approved_standing_order_completes_with_its_transaction_id_and_details(gateway: Gateway):
    gateway.rule(msisdn="254712345678", callback_delay_ms=50)
    answer = create(gateway, ORDER)

    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert data["ResponseCode"] == "200"
    settled = wait_final(gateway, data["transaction_id"])
    assert (settled["type"], settled["status"], settled["result_code"]) == ("STANDING_ORDER", "COMPLETED", 0)
    assert settled["conversation_id"] == data["responseRefID"]
    assert len(settled["receipt_number"]) == 10
    assert settled["standing_order"] == {
        "name": "Gym membership",
        "start_date": ORDER["start_date"],
        "end_date": ORDER["end_date"],
        "frequency": 4,
    }
    sent = gateway.simulator_log(CREATE)[0]["body"]
    assert (sent["TransactionType"], sent["ReceiverPartyIdentifierType"], sent["BusinessShortCode"]) == (
        "Standing Order Customer Pay Bill",
        "4",
        "174379",
    )
    assert (sent["Amount"], sent["Frequency"], sent["PartyA"]) == ("1500", "4", "254712345678")
    assert sent["TransactionDesc"] == "Recurring"  # the default fits Daraja's 13 characters
    assert sent["StartDate"] == ORDER["start_date"].replace("-", "")
    assert "/api/pay/demo-express/callback/standingOrder?secret=" in sent["CallBackURL"]


def test_a_second_standing_order_of_the_same_name_fails_with_1050(gateway: Gateway):
    gateway.rule(msisdn="254712345678", callback_delay_ms=50)
    wait_final(gateway, create(gateway, ORDER).get_json()["data"]["transaction_id"])

    second = wait_final(gateway, create(gateway, ORDER).get_json()["data"]["transaction_id"])

    assert (second["status"], second["result_code"]) == ("FAILED", 1050)


def test_a_declined_standing_order_is_cancelled_once_however_often_its_callback_comes(gateway: Gateway):
    gateway.rule(msisdn="254712345678", result_code=1032, duplicate_callbacks=1, callback_delay_ms=50)
    data = create(gateway, ORDER).get_json()["data"]
    settled = wait_final(gateway, data["transaction_id"])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        stored = gateway.items("CALLBACK#demo-express#")
        if len(stored) == 2 and all(item["outcome"] != "received" for item in stored):
            break
        time.sleep(0.1)

    assert (settled["status"], settled["result_code"], settled["receipt_number"]) == ("CANCELLED", 1032, None)
    assert sorted(item["outcome"] for item in stored) == ["applied", "duplicate"]


def test_a_retry_with_the_same_idempotency_key_is_replayed_not_resent(gateway: Gateway):
    first = create(gateway, ORDER, **{"Idempotency-Key": "so-1"}).get_json()["data"]
    again = create(gateway, ORDER, **{"Idempotency-Key": "so-1"}).get_json()["data"]

    assert again["transaction_id"] == first["transaction_id"]
    assert len(gateway.simulator_log(CREATE)) == 1


def test_bad_input_other_drivers_and_a_wrong_callback_secret_are_refused_and_change_nothing(
    gateway: Gateway,
):
    bad = create(gateway, {**ORDER, "start_date": (TODAY - timedelta(days=1)).isoformat()})
    c2b = create(gateway, ORDER, app="demo-c2b")
    forged = gateway.client.post(
        "/api/pay/demo-express/callback/standingOrder",
        json={"ResponseHeader": {}},
        query_string={"secret": "x"},
    )

    assert (bad.status_code, bad.get_json()["error"]["field"]) == (400, "start_date")
    assert c2b.status_code == 400
    assert "MpesaKeC2B" in c2b.get_json()["error"]["message"]
    assert forged.status_code == 403
    assert gateway.simulator_log(CREATE) == []
    assert gateway.items("TXN#") == []
    assert gateway.items("CALLBACK#") == []


def test_a_callback_stored_but_not_applied_is_applied_by_the_reconciler(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, reconcile
):
    gateway.rule(msisdn="254712345678", drop_callback=True)
    data = create(gateway, ORDER).get_json()["data"]
    callback = {
        "ResponseHeader": {"responseRefID": data["responseRefID"], "responseCode": "0"},
        "ResponseBody": {"ResponseData": [{"Name": "TransactionID", "Value": "SC8F2IQMH5"}]},
    }

    def throttled(*_: Any, **__: Any) -> None:
        raise StorageUnavailable("DynamoDB throttled the update")

    with monkeypatch.context() as patch:
        patch.setattr(DynamoTransactionStore, "settle", throttled)
        answer = gateway.client.post(
            "/api/pay/demo-express/callback/standingOrder",
            json=callback,
            query_string={"secret": "demo-express-callback-secret"},
        )

    assert answer.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    assert gateway.items(f"TXN#{data['transaction_id']}")[0]["status"] == "PENDING"
    assert reconcile()["callback_reapplied"] == 1
    settled = gateway.items(f"TXN#{data['transaction_id']}")[0]
    assert (settled["status"], settled["receipt_number"]) == ("COMPLETED", "SC8F2IQMH5")


def test_a_buy_goods_app_asks_for_a_standing_order_to_its_till(gateway: Gateway):
    registry = DynamoRegistry(get_settings().registry_table)
    app = registry.get_app("demo-express")
    assert app is not None
    registry.put_app(
        app.model_copy(update={"stk_transaction_type": LipaCommand.BUY_GOODS, "till_number": "123456"})
    )
    reset_gateway_caches()

    assert create(gateway, ORDER).status_code == 200

    sent = gateway.simulator_log(CREATE)[0]["body"]
    assert (sent["TransactionType"], sent["ReceiverPartyIdentifierType"], sent["BusinessShortCode"]) == (
        "Standing Order Customer Pay Marchant",
        "2",
        "123456",
    )
