"""B2C and B2B payouts, reversal, transaction status and balance, settled by Daraja's later results."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities import parameters

from mpesa_gateway.config import get_settings
from tests.integration.conftest import Gateway

FINAL = {"COMPLETED", "FAILED", "REVERSED"}
B2C = {
    "phone_number": "0712345678",
    "amount": 500,
    "command_id": "BusinessPayment",
    "remarks": "March salary",
}
B2B = {
    "receiver_short_code": "600000",
    "amount": 1000,
    "command_id": "BusinessPayBill",
    "reference": "PO-2026-001",
}


def send(gateway: Gateway, body: dict, app: str = "demo-b2c", **kwargs: Any):
    return gateway.client.post(f"/api/pay/{app}/sendMoney", json=body, headers=gateway.auth("demo"), **kwargs)


def transaction(gateway: Gateway, app: str, reference: str) -> dict[str, Any]:
    answer = gateway.client.get(f"/api/pay/{app}/transactions/{reference}", headers=gateway.auth("demo"))
    return answer.get_json()["data"]


def wait_final(gateway: Gateway, app: str, reference: str, timeout: float = 8) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (found := transaction(gateway, app, reference))[
        "status"
    ] not in FINAL and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def rule(gateway: Gateway, **values: Any) -> None:
    requests.post(f"{gateway.simulator_url}/simulator/rules", json=values, timeout=5).raise_for_status()


def paid_out(gateway: Gateway, body: dict = B2C, app: str = "demo-b2c") -> dict[str, Any]:
    data = send(gateway, body, app=app).get_json()["data"]
    return wait_final(gateway, app, data["transaction_id"])


def test_b2c_payout_completes_with_receipt_receiver_and_balances(gateway: Gateway):
    answer = send(gateway, {**B2C, "occasion": "March 2026 Salary"})

    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert data["ResponseCode"] == "0"
    assert data["OriginatorConversationID"] == data["transaction_id"]
    assert data["ConversationID"].startswith("AG_")
    settled = wait_final(gateway, "demo-b2c", data["transaction_id"])
    assert (settled["type"], settled["status"], settled["amount"]) == ("B2C", "COMPLETED", 500)
    assert len(settled["receipt_number"]) == 10
    assert settled["result_parameters"]["ReceiverPartyPublicName"].startswith("254712345678")
    assert "B2CWorkingAccountAvailableFunds" in settled["result_parameters"]
    assert settled["transaction_date"].endswith("+03:00")
    sent = gateway.simulator_log("/mpesa/b2c/v3/paymentrequest")[0]["body"]
    assert (sent["Occassion"], sent["PartyB"], sent["InitiatorName"]) == (
        "March 2026 Salary",
        "254712345678",
        "testapi",
    )


@pytest.mark.parametrize(("code", "status"), [(1, "FAILED"), (1036, "FAILED")])
def test_a_refused_payout_fails_with_daraja_code(gateway: Gateway, code: int, status: str):
    rule(gateway, msisdn="254712345678", result_code=code, callback_delay_ms=50)

    settled = paid_out(gateway)

    assert (settled["status"], settled["result_code"]) == (status, code)
    assert settled["receipt_number"] is None


def test_a_wrong_initiator_password_comes_back_as_2001(gateway: Gateway):
    secrets = boto3.client("secretsmanager")
    name = "mpesa-gateway/apps/demo-b2c"
    values = json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
    secrets.put_secret_value(
        SecretId=name, SecretString=json.dumps({**values, "initiator_password": "wrong"})
    )
    parameters.clear_caches()

    settled = paid_out(gateway)

    assert (settled["status"], settled["result_code"]) == ("FAILED", 2001)


def test_a_queue_timeout_is_not_an_outcome_the_payout_stays_pending_with_do_not_resend(gateway: Gateway):
    rule(gateway, msisdn="254712345678", timeout=True, callback_delay_ms=50)
    data = send(gateway, B2C).get_json()["data"]
    deadline = time.monotonic() + 5
    # Until the timeout is handled, not merely stored: it is saved first, then noted (a race under load).
    while time.monotonic() < deadline and not handled(timeouts_received(gateway)):
        time.sleep(0.1)

    pending = gateway.items(f"TXN#{data['transaction_id']}")[0]

    assert [c["outcome"] for c in timeouts_received(gateway)] == ["timeout_noted"]
    assert pending["status"] == "PENDING"
    assert "do not resend" in pending["error"]


def timeouts_received(gateway: Gateway) -> list[dict]:
    return [item for item in gateway.items("CALLBACK#demo-b2c#") if item["kind"] == "timeout"]


def handled(callbacks: list[dict]) -> bool:
    return bool(callbacks) and all(callback["outcome"] != "received" for callback in callbacks)


def test_a_payout_whose_result_and_timeout_both_come_ends_completed(gateway: Gateway):
    rule(gateway, msisdn="254712345678", result_and_timeout=True, callback_delay_ms=50)

    data = send(gateway, B2C).get_json()["data"]
    time.sleep(1.5)  # both callbacks, whichever order they land in

    settled = transaction(gateway, "demo-b2c", data["transaction_id"])
    assert settled["status"] == "COMPLETED"
    assert settled["receipt_number"]
    kinds = sorted(
        item["kind"]
        for item in gateway.items("CALLBACK#")
        if item["transaction_id"] == data["transaction_id"]
    )
    assert kinds == ["result", "timeout"]


def test_duplicate_results_change_nothing(gateway: Gateway):
    rule(gateway, msisdn="254712345678", duplicate_callbacks=2, callback_delay_ms=50)

    settled = paid_out(gateway)
    time.sleep(0.5)

    assert transaction(gateway, "demo-b2c", settled["transaction_id"]) == settled
    outcomes = sorted(
        item["outcome"]
        for item in gateway.items("CALLBACK#")
        if item["transaction_id"] == settled["transaction_id"]
    )
    assert outcomes == ["applied", "duplicate", "duplicate"]


def test_a_lost_result_is_recovered_by_transaction_status(gateway: Gateway):
    rule(gateway, msisdn="254712345678", drop_callback=True, callback_delay_ms=50)
    data = send(gateway, B2C).get_json()["data"]
    time.sleep(0.3)
    assert transaction(gateway, "demo-b2c", data["transaction_id"])["status"] == "PENDING"

    asked = gateway.client.get(
        f"/api/pay/demo-b2c/getTransactionStatus/{data['transaction_id']}", headers=gateway.auth("demo")
    )

    assert asked.status_code == 200
    query = wait_final(gateway, "demo-b2c", asked.get_json()["data"]["transaction_id"])
    assert (query["type"], query["status"]) == ("STATUS_QUERY", "COMPLETED")
    assert query["related_transaction_id"] == data["transaction_id"]
    original = transaction(gateway, "demo-b2c", data["transaction_id"])
    assert (original["status"], original["settled_by"]) == ("COMPLETED", "status_query")


def test_b2b_payout_completes(gateway: Gateway):
    settled = paid_out(gateway, B2B, app="demo-b2b")

    assert (settled["type"], settled["status"], settled["reference"]) == ("B2B", "COMPLETED", "PO-2026-001")
    sent = gateway.simulator_log("/mpesa/b2b/v1/paymentrequest")[0]["body"]
    assert (sent["RecieverIdentifierType"], sent["AccountReference"]) == ("4", "PO-2026-001")
    assert sent["OriginatorConversationID"] == settled["transaction_id"]


def test_reversing_a_payout_marks_it_reversed_once(gateway: Gateway):
    payout = paid_out(gateway)

    answer = gateway.client.post(
        f"/api/pay/demo-b2c/reverseTransaction/{payout['transaction_id']}", headers=gateway.auth("demo")
    )
    reversal = wait_final(gateway, "demo-b2c", answer.get_json()["data"]["transaction_id"])
    again = gateway.client.post(
        f"/api/pay/demo-b2c/reverseTransaction/{payout['transaction_id']}", headers=gateway.auth("demo")
    )

    assert (reversal["type"], reversal["status"]) == ("REVERSAL", "COMPLETED")
    original = transaction(gateway, "demo-b2c", payout["transaction_id"])
    assert (original["status"], original["reversed_by"]) == ("REVERSED", reversal["transaction_id"])
    assert original["receipt_number"] == payout["receipt_number"]
    assert again.status_code == 400
    assert "REVERSED" in again.get_json()["error"]["message"]


def test_check_balance_stores_the_accounts_parsed(gateway: Gateway):
    answer = gateway.client.get("/api/pay/demo-b2c/checkBalance", headers=gateway.auth("demo"))

    assert answer.status_code == 200
    query = wait_final(gateway, "demo-b2c", answer.get_json()["data"]["transaction_id"])
    accounts = {account["account"]: account for account in query["balance"]["accounts"]}
    assert query["type"] == "BALANCE_QUERY"
    assert {"Working Account", "Utility Account"} <= set(accounts)
    assert accounts["Working Account"]["currency"] == "KES"
    assert float(accounts["Utility Account"]["available_balance"]) > 0


@pytest.mark.parametrize(
    ("app", "body", "named"),
    [
        ("demo-b2c", {**B2C, "amount": 9}, "amount"),
        ("demo-b2c", {**B2C, "command_id": "Gift"}, "command_id"),
        ("demo-b2c", {**B2C, "remarks": "x" * 101}, "remarks"),
        ("demo-b2c", {**B2C, "phone_number": "12345"}, "phone_number"),
        ("demo-b2c", {**B2C, "tip": 5}, "tip"),
        ("demo-b2b", {**B2B, "receiver_short_code": "12"}, "receiver_short_code"),
        ("demo-b2b", {**B2B, "reference": ""}, "reference"),
        ("demo-express", B2C, "MpesaKeExpress"),
    ],
)
def test_bad_payouts_are_400_naming_the_problem_and_write_nothing(gateway: Gateway, app, body, named):
    answer = send(gateway, body, app=app)

    assert answer.status_code == 400
    assert named in answer.get_json()["error"]["message"]
    assert gateway.items("TXN#") == []


def test_account_operations_follow_the_drivers(gateway: Gateway):
    personal = gateway.client.get(
        "/api/pay/demo-personal/getTransactionStatus/txn_x", headers=gateway.auth("demo")
    )
    personal_reverse = gateway.client.post(
        "/api/pay/demo-personal/reverseTransaction/txn_x", headers=gateway.auth("demo")
    )
    unknown = gateway.client.get(
        "/api/pay/demo-b2c/getTransactionStatus/txn_nothing", headers=gateway.auth("demo")
    )

    assert personal.status_code == 400
    assert personal_reverse.status_code == 400
    assert unknown.status_code == 404


def test_without_a_certificate_an_initiator_password_cannot_be_used(gateway: Gateway, monkeypatch):
    monkeypatch.delenv("DARAJA_SANDBOX_CERTIFICATE")
    get_settings.cache_clear()

    answer = send(gateway, B2C)

    assert answer.status_code == 400
    assert "DARAJA_SANDBOX_CERTIFICATE" in answer.get_json()["error"]["message"]
    assert gateway.items("TXN#") == []


def test_a_result_for_no_known_request_is_kept_and_acknowledged(gateway: Gateway):
    result = {"ResultType": 0, "ResultCode": 0, "ResultDesc": "ok", "OriginatorConversationID": "x-1"}
    body = {"Result": {**result, "ConversationID": "AG_unknown", "TransactionID": "QJI3R7GXWV"}}

    answer = gateway.client.post(
        "/api/pay/demo-b2c/callback/result", json=body, query_string={"secret": "demo-b2c-callback-secret"}
    )

    assert answer.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    (stored,) = gateway.items("CALLBACK#demo-b2c#x-1")
    assert stored["outcome"] == "unmatched"


def test_a_repeated_idempotency_key_replays_the_payout_instead_of_paying_twice(gateway: Gateway):
    headers = {**gateway.auth("demo"), "Idempotency-Key": "salary-march-0712345678"}

    first = gateway.client.post("/api/pay/demo-b2c/sendMoney", json=B2C, headers=headers)
    again = gateway.client.post("/api/pay/demo-b2c/sendMoney", json=B2C, headers=headers)

    assert again.get_json() == first.get_json()
    assert len(gateway.simulator_log("/mpesa/b2c/v3/paymentrequest")) == 1
    assert len(gateway.items("TXN#")) == 1


@pytest.mark.parametrize(("body", "named"), [({"remarks": ""}, "remarks"), ({"amount": 5}, "amount")])
def test_a_bad_reversal_body_is_a_400_and_writes_nothing(gateway: Gateway, body: dict, named: str):
    payout = paid_out(gateway)
    before = gateway.items("TXN#")

    answer = gateway.client.post(
        f"/api/pay/demo-b2c/reverseTransaction/{payout['transaction_id']}",
        json=body,
        headers=gateway.auth("demo"),
    )

    assert answer.status_code == 400
    assert named in answer.get_json()["error"]["message"]
    assert gateway.items("TXN#") == before
