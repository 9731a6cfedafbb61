"""MpesaKePersonal: confirmation SMS in, stored transactions out; the newest balance answers checkBalance."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Gateway

RECEIVED = (
    "QJI3R7GXWV Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 15/3/26 at 2:30 PM. "
    "New M-PESA balance is Ksh1,500.00."
)
SENT_LATER = (
    "QJI3R7GXWX Confirmed. Ksh500.00 sent to JANE DOE 0722000000 on 16/3/26 at 10:05 AM. "
    "New M-PESA balance is Ksh1,000.00. Transaction cost, Ksh7.00. "
    "Amount you can transact within the day is 499,500.00."
)
FAILED = "Failed. You do not have enough money in your M-PESA account to send Ksh5,000.00."


def extract(gateway: Gateway, body: object, app: str = "demo-personal"):
    return gateway.client.post(f"/api/pay/{app}/extractTransaction", json=body, headers=gateway.auth("demo"))


def balance(gateway: Gateway, app: str = "demo-personal"):
    return gateway.client.get(f"/api/pay/{app}/checkBalance", headers=gateway.auth("demo"))


def test_one_sms_becomes_a_stored_transaction(gateway: Gateway):
    answer = extract(gateway, {"message": RECEIVED})

    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert data["transaction_id"] == "QJI3R7GXWV"
    assert (data["type"], data["amount"], data["currency"]) == ("received", "100.00", "KES")
    assert (data["payer_name"], data["payer_account"]) == ("JOHN DOE", "0712345678")
    assert data["transaction_time"] == "2026-03-15T14:30:00+03:00"
    assert (data["balance"], data["status"], data["already_recorded"]) == (
        "1500.00",
        "STATUS_COMPLETED",
        False,
    )
    (stored,) = gateway.items("TXN#")
    assert (stored["type"], stored["status"], stored["receipt_number"]) == ("SMS", "COMPLETED", "QJI3R7GXWV")
    assert stored["details"]["payer_name"] == "JOHN DOE"


def test_the_same_sms_twice_is_one_transaction(gateway: Gateway):
    extract(gateway, {"message": RECEIVED})

    again = extract(gateway, {"message": RECEIVED})

    assert again.get_json()["data"]["already_recorded"] is True
    assert len(gateway.items("TXN#")) == 1


def test_a_batch_answers_each_message_with_its_own_error(gateway: Gateway):
    answer = extract(gateway, {"messages": [RECEIVED, FAILED, SENT_LATER]})

    assert answer.status_code == 200
    first, failed, sent = answer.get_json()["data"]
    assert first["type"] == "received"
    assert failed["index"] == 1
    assert failed["error"]["code"] == "not_a_transaction"
    assert (sent["type"], sent["transaction_cost"]) == ("sent", "7.00")
    assert len(gateway.items("TXN#")) == 2


def test_check_balance_is_the_newest_sms_balance_whatever_the_order(gateway: Gateway):
    assert balance(gateway).status_code == 404  # nothing seen yet

    extract(gateway, {"message": SENT_LATER})
    extract(gateway, {"message": RECEIVED})  # older, arrives later

    data = balance(gateway).get_json()["data"]
    assert (data["balance"], data["currency"], data["source"]) == ("1000.00", "KES", "QJI3R7GXWX")
    assert data["as_of"] == "2026-03-16T10:05:00+03:00"


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"message": FAILED}, 422, "Not a completed"),
        ({"message": "hello there"}, 422, "Not a completed"),
        ({}, 400, "message"),
        ({"message": 42}, 400, "message"),
        ({"message": "x" * 10_000}, 400, "message"),
        ({"message": ""}, 400, "message"),
        ({"messages": []}, 400, "messages"),
        ({"messages": [RECEIVED] * 101}, 400, "messages"),
        ({"message": RECEIVED, "messages": [RECEIVED]}, 400, "either"),
        ({"text": RECEIVED}, 400, "text"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem_and_stores_nothing(gateway: Gateway, body, status, named):
    answer = extract(gateway, body)

    assert answer.status_code == status
    assert named in answer.get_json()["error"]["message"]
    assert gateway.items("TXN#") == []


def test_only_personal_apps_read_sms_and_the_receipt_finds_it(gateway: Gateway):
    refused = extract(gateway, {"message": RECEIVED}, app="demo-express")
    extract(gateway, {"message": RECEIVED})

    found = gateway.client.get("/api/pay/demo-personal/transactions/QJI3R7GXWV", headers=gateway.auth("demo"))

    assert refused.status_code == 400
    assert "MpesaKeExpress" in refused.get_json()["error"]["message"]
    assert found.get_json()["data"]["details"]["type"] == "received"
