"""M-Pesa Express through the real handlers, moto and the Daraja simulator."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities import parameters

from mpesa_gateway import idempotency
from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import IdempotencyConflict
from mpesa_gateway.models import LipaCommand
from mpesa_gateway.store.dynamo import table
from mpesa_gateway.store.registry import DynamoRegistry
from tests.integration.conftest import Gateway
from tests.integration.dynamodb_backends import calls_made

PAYMENT = {
    "phone_number": "0712345678",
    "amount": 10,
    "reference": "ORDER-001",
    "description": "Test payment",
}


def stk_body(checkout_id: str, result_code: int = 0, amount: float = 10.0, phone: int = 254712345678) -> dict:
    callback = {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": checkout_id,
        "ResultCode": result_code,
        "ResultDesc": "The service request is processed successfully." if result_code == 0 else "Failed.",
    }
    if result_code == 0:
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": amount},
                {"Name": "MpesaReceiptNumber", "Value": "QJI3R7GXWV"},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": 20260315143000},
                {"Name": "PhoneNumber", "Value": phone},
            ]
        }
    return {"Body": {"stkCallback": callback}}


def test_push_then_callback_completes_the_payment(gateway: Gateway):
    answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert data["ResponseCode"] == "0"
    assert data["CheckoutRequestID"].startswith("ws_CO_")
    assert data["transaction_id"].startswith("txn_")
    settled = gateway.wait_for(data["transaction_id"])
    assert settled["status"] == "COMPLETED"
    assert settled["ResultCode"] == "0"
    assert settled["settled_by"] == "callback"
    assert len(settled["receipt_number"]) == 10
    assert settled["phone_number"] == "254712345678"
    stored = gateway.items(f"TXN#{data['transaction_id']}")[0]
    assert stored["paid_amount"] == "10.00"
    assert stored["paid_phone_number"] == "254712345678"
    assert stored["transaction_date"].endswith("+03:00")


def test_push_sends_what_daraja_expects(gateway: Gateway):
    gateway.request_payment(PAYMENT)

    push = gateway.simulator_log("/mpesa/stkpush/v1/processrequest")[0]["body"]
    nairobi_now = datetime.now(UTC) + timedelta(hours=3)
    sent = datetime.strptime(push["Timestamp"], "%Y%m%d%H%M%S")
    assert abs((sent - nairobi_now.replace(tzinfo=None)).total_seconds()) < 60
    assert push["PhoneNumber"] == push["PartyA"] == "254712345678"
    assert push["PartyB"] == push["BusinessShortCode"] == "174379"
    assert push["TransactionType"] == "CustomerPayBillOnline"
    assert push["CallBackURL"] == (
        "https://gateway.example/api/pay/demo-express/callback?secret=demo-express-callback-secret"
    )


def test_status_accepts_the_checkout_request_id(gateway: Gateway):
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    gateway.wait_for(data["transaction_id"])

    by_checkout = gateway.status(data["CheckoutRequestID"]).get_json()["data"]

    assert by_checkout["transaction_id"] == data["transaction_id"]
    assert by_checkout["MerchantRequestID"] == data["MerchantRequestID"]


@pytest.mark.parametrize(
    ("result_code", "status"),
    [(1032, "CANCELLED"), (1037, "TIMEOUT"), (1, "FAILED"), (2001, "FAILED")],
)
def test_failed_prompts_end_in_their_status(gateway: Gateway, result_code: int, status: str):
    gateway.rule(msisdn="254712345678", result_code=result_code, callback_delay_ms=100)

    data = gateway.request_payment(PAYMENT).get_json()["data"]
    settled = gateway.wait_for(data["transaction_id"])

    assert settled["status"] == status
    assert settled["ResultCode"] == str(result_code)
    assert settled["ResultDesc"]
    assert settled["receipt_number"] is None


def test_status_while_pending_asks_daraja_and_stays_pending(gateway: Gateway):
    gateway.rule(msisdn="254712345678", callback_delay_ms=5000)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    pending = gateway.status(data["transaction_id"]).get_json()["data"]

    assert pending["status"] == "PENDING"
    assert pending["ResultCode"] is None
    assert pending["ResultDesc"] == "The transaction is being processed"
    assert len(gateway.simulator_log("/mpesa/stkpushquery/v1/query")) == 1


def test_rapid_status_polling_asks_daraja_once_per_interval(gateway: Gateway):
    gateway.rule(msisdn="254712345678", callback_delay_ms=5000)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    answers = [gateway.status(data["transaction_id"]).get_json()["data"] for _ in range(5)]

    assert {answer["status"] for answer in answers} == {"PENDING"}
    assert len(gateway.simulator_log("/mpesa/stkpushquery/v1/query")) == 1


def test_duplicate_callbacks_change_nothing_and_a_contradicting_one_is_flagged(gateway: Gateway):
    gateway.rule(msisdn="254712345678", duplicate_callbacks=2, callback_delay_ms=100)
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    # Waiting on the simulator's deliveries, not on the status route: a status read while pending asks
    # STK Query, which under load could settle the payment before the first callback came.
    deadline = time.monotonic() + 8
    while len(gateway.delivered_callbacks()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    first = gateway.items(f"TXN#{data['transaction_id']}")[0]

    replay = gateway.callback(stk_body(data["CheckoutRequestID"], result_code=1032))

    assert replay.status_code == 200
    assert replay.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    assert [c["status"] for c in gateway.delivered_callbacks()] == [200, 200, 200]
    after = gateway.items(f"TXN#{data['transaction_id']}")[0]
    assert after.pop("conflict") == "callback said CANCELLED (1032) after COMPLETED by callback"
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in first.items() if k != "updated_at"
    }
    outcomes = sorted(
        c["outcome"] for c in gateway.items(f"CALLBACK#demo-express#{data['CheckoutRequestID']}")
    )
    assert outcomes == ["applied", "conflict", "duplicate", "duplicate"]


def test_dropped_callback_is_settled_by_status_query_and_late_callback_adds_receipt(gateway: Gateway):
    gateway.rule(msisdn="254712345678", drop_callback=True, callback_delay_ms=200)
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    time.sleep(0.4)

    settled = gateway.status(data["transaction_id"]).get_json()["data"]

    assert settled["status"] == "COMPLETED"
    assert settled["settled_by"] == "query"
    assert settled["receipt_number"] is None
    assert gateway.delivered_callbacks() == []
    late = gateway.callback(stk_body(data["CheckoutRequestID"]))
    assert late.status_code == 200
    after = gateway.status(data["transaction_id"]).get_json()["data"]
    assert after["status"] == "COMPLETED"
    assert after["receipt_number"] == "QJI3R7GXWV"


def test_push_whose_answer_never_comes_stays_pending_and_is_not_resent(gateway: Gateway):
    # The client's read timeout is 1 s; Daraja takes 2 s, but still prompts the customer.
    gateway.rule(msisdn="254712345678", response_delay_ms=2000, callback_delay_ms=2500)

    answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 202
    data = answer.get_json()["data"]
    assert data["status"] == "PENDING"
    assert len(gateway.simulator_log("/mpesa/stkpushquery/v1/query")) == 0
    stored = gateway.items(f"TXN#{data['transaction_id']}")[0]
    assert stored["status"] == "PENDING"
    assert "outcome unknown" in stored["error"]
    # Its callback names a CheckoutRequestID the gateway never saw: matched by phone and amount.
    settled = gateway.wait_for(data["transaction_id"])
    assert settled["status"] == "COMPLETED"
    assert settled["CheckoutRequestID"].startswith("ws_CO_")
    assert len(gateway.simulator_log("/mpesa/stkpush/v1/processrequest")) == 1


def test_callback_for_unknown_checkout_is_stored_for_inspection(gateway: Gateway):
    answer = gateway.callback(stk_body("ws_CO_UNKNOWN", result_code=1032))

    assert answer.status_code == 200
    stored = gateway.items("CALLBACK#demo-express#ws_CO_UNKNOWN")
    assert len(stored) == 1
    assert stored[0]["outcome"] == "unmatched"
    assert stored[0]["body"]["Body"]["stkCallback"]["ResultCode"] == 1032


@pytest.mark.parametrize("secret", [None, "wrong-secret", "other-express-callback-secret"])
def test_callback_without_the_apps_secret_is_refused_and_not_stored(gateway: Gateway, secret: str | None):
    data = gateway.request_payment({**PAYMENT, "phone_number": "0799000000"}).get_json()["data"]
    gateway.wait_for(data["transaction_id"])
    before = gateway.items("")

    answer = gateway.callback(stk_body(data["CheckoutRequestID"], result_code=1032), secret=secret)

    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "callback_forbidden"
    assert gateway.items("") == before


def test_unparseable_callback_is_kept_and_answered_400(gateway: Gateway):
    answer = gateway.client.post(
        "/api/pay/demo-express/callback",
        data="not json",
        query_string={"secret": "demo-express-callback-secret"},
    )

    assert answer.status_code == 400
    assert gateway.items("CALLBACK#demo-express#UNPARSEABLE")[0]["body"] == {"unparseable": "not json"}


def test_token_replaced_elsewhere_is_refreshed_once_and_the_push_retried_once(gateway: Gateway):
    gateway.request_payment(PAYMENT)
    # Someone else generates a token for the same consumer key: Daraja kills the gateway's token.
    requests.get(
        f"{gateway.simulator_url}/oauth/v1/generate",
        params={"grant_type": "client_credentials"},
        auth=("demo-consumer-key", "demo-consumer-secret"),
        timeout=5,
    ).raise_for_status()

    answer = gateway.request_payment({**PAYMENT, "reference": "ORDER-002"})

    assert answer.status_code == 200
    pushes = gateway.simulator_log("/mpesa/stkpush/v1/processrequest")
    assert [p["status"] for p in pushes] == [200, 404, 200]
    assert len(gateway.simulator_log("/oauth/v1/generate")) == 3


def test_daraja_refusal_fails_the_transaction(gateway: Gateway):
    secrets = boto3.client("secretsmanager")
    name = "mpesa-gateway/apps/demo-express"
    values = json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
    secrets.put_secret_value(SecretId=name, SecretString=json.dumps({**values, "passkey": "wrong"}))
    parameters.clear_caches()

    answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 424
    error = answer.get_json()["error"]
    assert error["code"] == "daraja_rejected"
    assert error["daraja_code"] == "500.001.1001"
    assert gateway.items(f"TXN#{error['transaction_id']}")[0]["status"] == "FAILED"


BAD_REQUESTS = [
    ({**PAYMENT, "amount": 0}, "amount"),
    ({**PAYMENT, "amount": -5}, "amount"),
    ({**PAYMENT, "amount": 1.5}, "amount"),
    ({**PAYMENT, "amount": "ten"}, "amount"),
    ({**PAYMENT, "amount": 250001}, "amount"),
    ({**PAYMENT, "phone_number": "12345"}, "phone_number"),
    ({**PAYMENT, "reference": "ABCDEFGHIJKLM"}, "reference"),
    ({**PAYMENT, "description": "fourteen chars"}, "description"),
    ({k: v for k, v in PAYMENT.items() if k != "amount"}, "amount"),
    ({**PAYMENT, "callback_url": "https://evil.example"}, "callback_url"),
]


@pytest.mark.parametrize(("body", "field"), BAD_REQUESTS)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(gateway: Gateway, body: dict, field: str):
    answer = gateway.request_payment(body)

    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message"]
    assert gateway.items("TXN#") == []
    assert gateway.simulator_log("/mpesa/stkpush/v1/processrequest") == []


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("", "application/json", 400),
        ("phone_number=0712345678", "text/plain", 415),
        ('{"phone_number": "' + "7" * 300_000 + '"}', "application/json", 413),
    ],
)
def test_malformed_bodies_are_4xx_and_write_nothing(
    gateway: Gateway, raw: str, content_type: str, status: int
):
    answer = gateway.client.post(
        "/api/pay/demo-express/requestPayment",
        data=raw,
        content_type=content_type,
        headers=gateway.auth("demo"),
    )

    assert answer.status_code == status
    assert answer.get_json()["error"]["message"]
    assert gateway.items("TXN#") == []


@pytest.mark.parametrize(
    ("app", "merchant", "authorization", "status", "code"),
    [
        ("demo-express", None, None, 401, "unauthorized"),
        ("demo-express", None, "Bearer not-a-token", 401, "unauthorized"),
        ("demo-express", None, "Basic ZGVtbzpkZW1vLXNlY3JldA==", 401, "unauthorized"),  # demo:demo-secret
        ("other-express", "demo", None, 403, "app_forbidden"),
        ("no-such-app", "demo", None, 403, "app_forbidden"),
        ("demo-express", "other", None, 403, "app_forbidden"),
    ],
)
def test_merchants_reach_only_their_own_apps(gateway: Gateway, app, merchant, authorization, status, code):
    headers = {"Authorization": authorization} if authorization else {}

    answer = gateway.request_payment(PAYMENT, app=app, merchant=merchant, headers=headers)

    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code
    assert gateway.items("TXN#") == []


def test_status_of_another_apps_transaction_is_not_found(gateway: Gateway):
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    foreign = gateway.status(data["transaction_id"], app="other-express", merchant="other")
    unknown = gateway.status("txn_doesnotexist")

    assert foreign.status_code == 404
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "not_found"


def test_idempotency_key_replays_the_first_answer_without_a_second_push(gateway: Gateway):
    headers = {"Idempotency-Key": "order-001-attempt"}

    first = gateway.request_payment(PAYMENT, headers=headers)
    again = gateway.request_payment(PAYMENT, headers=headers)
    fresh = gateway.request_payment(PAYMENT, headers={"Idempotency-Key": "order-001-other"})

    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert fresh.get_json()["data"]["transaction_id"] != first.get_json()["data"]["transaction_id"]
    assert len(gateway.simulator_log("/mpesa/stkpush/v1/processrequest")) == 2
    assert len(gateway.items("TXN#")) == 2


def test_idempotency_key_reused_for_a_different_request_is_a_conflict(gateway: Gateway):
    headers = {"Idempotency-Key": "k-1"}
    gateway.request_payment(PAYMENT, headers=headers)

    reused = gateway.request_payment({**PAYMENT, "amount": 20}, headers=headers)

    assert reused.status_code == 409
    assert reused.get_json()["error"]["code"] == "idempotency_conflict"
    assert len(gateway.items("TXN#")) == 1


def test_malformed_idempotency_key_is_a_400_naming_the_header(gateway: Gateway):
    answer = gateway.request_payment(PAYMENT, headers={"Idempotency-Key": "spaces are not allowed"})

    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.get_json()["error"]["message"]
    assert gateway.items("TXN#") == []


def test_idempotency_key_still_in_flight_is_a_conflict(gateway: Gateway):
    release = threading.Event()
    started = threading.Event()
    results: list[dict] = []
    scope = {"key": "k-2", "merchant_id": "demo", "operation": "requestPayment", "app_id": "demo-express"}

    def slow_push() -> dict:
        started.set()
        release.wait(5)
        return {"status": 200, "body": {}}

    worker = threading.Thread(
        target=lambda: results.append(idempotency.once(**scope, payload={}, run=slow_push))
    )
    worker.start()
    assert started.wait(5)
    try:
        with pytest.raises(IdempotencyConflict, match="still being processed"):
            idempotency.once(**scope, payload={}, run=slow_push)
    finally:
        release.set()
        worker.join(5)
    assert results == [{"status": 200, "body": {}}]


def test_daraja_refusing_the_content_is_a_400_and_fails_the_transaction(gateway: Gateway):
    registry = DynamoRegistry(get_settings().registry_table)
    app = registry.get_app("demo-express")
    buy_goods = {"stk_transaction_type": LipaCommand.BUY_GOODS, "till_number": "12"}
    registry.put_app(app.model_copy(update=buy_goods))

    answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "daraja_rejected"
    assert error["daraja_code"] == "400.002.02"
    assert "PartyB" in error["message"]
    assert gateway.items(f"TXN#{error['transaction_id']}")[0]["status"] == "FAILED"


def test_a_push_answered_before_its_callback_looks_for_no_early_callback(gateway: Gateway):
    """Recording Daraja's answer says whether a callback came first (it leaves the alias awaited), so
    the usual push writes its intent and its identifiers and reads nothing back."""
    gateway.rule(msisdn="254712345678", drop_callback=True)

    with calls_made(table(get_settings().transactions_table)) as calls:
        answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 200
    assert calls == ["PutItem", "TransactWriteItems"]


def test_a_callback_settles_its_push_after_reading_only_the_alias(gateway: Gateway):
    """The alias keeps what the callback is checked against (app, amount, phone): the transaction
    itself is not read before the conditional settlement."""
    gateway.rule(msisdn="254712345678", drop_callback=True)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    with calls_made(table(get_settings().transactions_table)) as calls:
        gateway.callback(stk_body(data["CheckoutRequestID"]))

    # The raw callback, one read of the alias, the settlement, the callback's outcome.
    assert calls == ["PutItem", "GetItem", "UpdateItem", "UpdateItem"]
    assert gateway.status(data["transaction_id"]).get_json()["data"]["status"] == "COMPLETED"
