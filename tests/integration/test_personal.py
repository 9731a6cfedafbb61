"""MpesaKePersonal: confirmation SMS in, stored transactions out; the newest balance answers checkBalance."""

from __future__ import annotations

from datetime import datetime

import pytest

from mpesa_gateway.daraja.formats import NAIROBI
from mpesa_gateway.personal import service
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
# A short reversal prints no time: it is dated by when it reaches the gateway.
REVERSAL = (
    "QAB1CD2EF4 Confirmed. Transaction QAB1CD2EF3 has been reversed. Your account balance is now Ksh2,345.00."
)
REVERSAL_AGAIN = (
    "QAB1CD2EF6 Confirmed. Transaction QAB1CD2EF5 has been reversed. Your account balance is now Ksh3,000.00."
)
POCHI = (
    "TCH01GAG8Y Confirmed.You have received Ksh10.00 from RICHARD  MACHAGE on 17/3/26 at 12:03 PM  New "
    "business balance is Ksh10.00. To access your funds, Dial *334#,select Pochi la Biashara & Withdraw "
    "funds."
)


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
    assert stored["sms"]["payer_name"] == "JOHN DOE"


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


def arriving_at(monkeypatch: pytest.MonkeyPatch, *when: int) -> None:
    """The gateway's clock (Nairobi) reads 16/3/26 at these hour:minute pairs, one per request."""
    times = iter(when)

    def clock() -> datetime:
        hour, minute = divmod(next(times), 100)
        return datetime(2026, 3, 16, hour, minute, tzinfo=NAIROBI)

    monkeypatch.setattr(service, "nairobi_now", clock)


def test_a_late_timeless_message_does_not_overrule_a_newer_timed_one(gateway: Gateway, monkeypatch):
    # The sent money (10:05) is newer than the reversal can be known to be: it reached the gateway at
    # 10:12, so it may have happened any time before, and 10:05 is within the slack of 10:12.
    arriving_at(monkeypatch, 1030, 1012)
    extract(gateway, {"message": SENT_LATER})
    extract(gateway, {"message": REVERSAL})

    data = balance(gateway).get_json()["data"]
    assert (data["balance"], data["source"], data["time_from"]) == ("1000.00", "QJI3R7GXWX", "message")


def test_a_timeless_message_arriving_well_after_the_newest_timed_one_is_newer(gateway: Gateway, monkeypatch):
    arriving_at(monkeypatch, 1030, 1300)
    extract(gateway, {"message": SENT_LATER})  # 10:05
    extract(gateway, {"message": REVERSAL})  # arrived 13:00

    data = balance(gateway).get_json()["data"]
    assert (data["balance"], data["source"], data["time_from"]) == ("2345.00", "QAB1CD2EF4", "arrival")
    assert data["as_of"] == "2026-03-16T13:00:00+03:00"


def test_a_timed_message_older_than_a_kept_timeless_one_changes_nothing(gateway: Gateway, monkeypatch):
    arriving_at(monkeypatch, 1300, 1301)
    extract(gateway, {"message": REVERSAL})  # arrived 13:00
    extract(gateway, {"message": SENT_LATER})  # 10:05, arrives late

    assert balance(gateway).get_json()["data"]["source"] == "QAB1CD2EF4"


def test_a_timed_message_within_the_slack_of_a_kept_timeless_one_replaces_it(gateway: Gateway, monkeypatch):
    # The reversal arrived at 10:12 but may have happened before 10:05; the timed message is trusted.
    arriving_at(monkeypatch, 1012, 1013)
    extract(gateway, {"message": REVERSAL})
    extract(gateway, {"message": SENT_LATER})

    data = balance(gateway).get_json()["data"]
    assert (data["balance"], data["source"]) == ("1000.00", "QJI3R7GXWX")


def test_between_timeless_messages_the_later_arrival_wins_in_either_order(gateway: Gateway, monkeypatch):
    arriving_at(monkeypatch, 1400, 1200)
    extract(gateway, {"message": REVERSAL_AGAIN})  # arrived 14:00
    extract(gateway, {"message": REVERSAL})  # arrived 12:00

    assert balance(gateway).get_json()["data"]["source"] == "QAB1CD2EF6"


def test_a_business_balance_never_replaces_the_wallet_balance(gateway: Gateway, monkeypatch):
    arriving_at(monkeypatch, 1030, 1031)
    extract(gateway, {"message": SENT_LATER})  # wallet, 16/3 10:05
    extract(gateway, {"message": POCHI})  # Pochi, 17/3 12:03: newer, but another account

    data = balance(gateway).get_json()["data"]
    assert (data["account"], data["balance"], data["source"]) == ("mpesa", "1000.00", "QJI3R7GXWX")
    accounts = {kept["account"]: (kept["balance"], kept["source"]) for kept in data["accounts"]}
    assert accounts == {"mpesa": ("1000.00", "QJI3R7GXWX"), "pochi": ("10.00", "TCH01GAG8Y")}


def test_a_pochi_owner_without_wallet_messages_sees_the_pochi_balance(gateway: Gateway, monkeypatch):
    arriving_at(monkeypatch, 1300)
    extract(gateway, {"message": POCHI})

    data = balance(gateway).get_json()["data"]
    assert (data["account"], data["balance"], data["as_of"]) == (
        "pochi",
        "10.00",
        "2026-03-17T12:03:00+03:00",
    )


def test_a_batch_with_a_timeless_message_is_ranked_the_same_way(gateway: Gateway, monkeypatch):
    arriving_at(monkeypatch, 1012)
    answer = extract(gateway, {"messages": [REVERSAL, SENT_LATER]})

    assert [entry["transaction_time"] for entry in answer.get_json()["data"]] == [
        "2026-03-16T10:12:00+03:00",
        "2026-03-16T10:05:00+03:00",
    ]
    assert balance(gateway).get_json()["data"]["source"] == "QJI3R7GXWX"


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"message": FAILED}, 422, "Not a completed"),
        ({"message": "hello there"}, 422, "Not a completed"),
        ({"message": RECEIVED + " New M-PESA balance is Ksh9,500.00."}, 422, "contradictory balances"),
        (
            {"message": "QJI3R7GXWV Confirmed. Ksh100.00 received from JOHN DOE 0712345678."},
            422,
            "unrecognised",
        ),
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
    assert found.get_json()["data"]["sms"]["type"] == "received"
