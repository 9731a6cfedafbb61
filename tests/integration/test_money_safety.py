"""No charge twice, no payment lost: each hole the fault run found, injected and proved closed.

Through the real handlers, moto and the simulator (with its fault injection); each test names the
branch it proves.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
import requests

from infra.routes import FUNCTIONS_DIR, RECONCILER
from local.apigw.invoker import Invoker
from mpesa_gateway.callbacks import new_callback
from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import StorageUnavailable
from mpesa_gateway.ledger import c2b_transaction_id
from mpesa_gateway.runtime import express_service
from mpesa_gateway.store.transactions import DynamoTransactionStore
from tests.integration.conftest import Gateway
from tests.integration.test_express import PAYMENT, stk_body
from tests.integration.test_payouts import B2C, send, transaction, wait_final

STK_PUSH = "/mpesa/stkpush/v1/processrequest"
B2C_PATH = "/mpesa/b2c/v3/paymentrequest"
SCHEDULED_EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def fault(gateway: Gateway, path: str, kind: str, **fields: Any) -> None:
    body = {"path": path, "fault": kind, "count": 1, **fields}
    requests.post(f"{gateway.simulator_url}/simulator/faults", json=body, timeout=5).raise_for_status()


def stored(gateway: Gateway, transaction_id: str) -> dict[str, Any]:
    return gateway.items(f"TXN#{transaction_id}")[0]


def processed_pushes(gateway: Gateway) -> list[dict[str, Any]]:
    records = requests.get(f"{gateway.simulator_url}/simulator/processed", timeout=5).json()["processed"]
    return [record for record in records if record["kind"] == "stk_push"]


@pytest.fixture
def reconcile(monkeypatch: pytest.MonkeyPatch, gateway: Gateway):
    """The scheduled reconciler, looking at everything at once."""
    for name in ("RECONCILE_AFTER_SECONDS", "STATUS_QUERY_INTERVAL_SECONDS", "CALLBACK_GRACE_SECONDS"):
        monkeypatch.setenv(name, "0")
    get_settings.cache_clear()
    invoker = Invoker(FUNCTIONS_DIR, "af-south-1", "000000000000")
    return lambda: invoker.invoke(RECONCILER, SCHEDULED_EVENT)


# 1. Cross-tenant settlement ----------------------------------------------------------------------


def test_a_forged_callback_on_another_apps_url_settles_nothing(gateway: Gateway):
    gateway.rule(msisdn="254712345678", drop_callback=True)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    forged = gateway.callback(
        stk_body(data["CheckoutRequestID"], result_code=1032),
        app="other-express",
        secret="other-express-callback-secret",
    )

    assert forged.status_code == 200  # acknowledged (and kept), as every authenticated callback
    assert stored(gateway, data["transaction_id"])["status"] == "PENDING"
    (kept,) = gateway.items(f"CALLBACK#other-express#{data['CheckoutRequestID']}")
    assert kept["outcome"] == "unmatched"


def test_a_forged_early_callback_stored_for_another_app_is_not_replayed_on_this_apps_push(gateway: Gateway):
    gateway.rule(msisdn="254712345678", drop_callback=True)
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    store = DynamoTransactionStore(get_settings().transactions_table)
    forged = stk_body(data["CheckoutRequestID"], result_code=1032)
    store.save_callback(new_callback("other-express", "stk_callback", data["CheckoutRequestID"], forged))
    service = express_service()
    app = service._apps.by_id("demo-express")
    assert app is not None

    after = service._apply_early_callbacks(app, store.get(data["transaction_id"]))

    assert after.status.value == "PENDING"
    assert stored(gateway, data["transaction_id"])["status"] == "PENDING"


def test_c2b_receipts_are_per_app():
    assert c2b_transaction_id("demo-c2b", "qji3r7gxwv") != c2b_transaction_id("other-c2b", "QJI3R7GXWV")


# 2. Callback before the push answer --------------------------------------------------------------


@pytest.mark.parametrize(("result_code", "status"), [(0, "COMPLETED"), (1032, "CANCELLED")])
def test_a_callback_that_arrives_before_the_push_answer_settles_it_and_the_merchant_gets_200(
    gateway: Gateway, result_code: int, status: str
):
    gateway.rule(msisdn="254712345678", result_code=result_code)
    fault(gateway, STK_PUSH, "callback_before_answer", processed=True)

    answer = gateway.request_payment(PAYMENT, headers={"Idempotency-Key": "early-1"})

    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert stored(gateway, data["transaction_id"])["status"] == status
    replay = gateway.request_payment(PAYMENT, headers={"Idempotency-Key": "early-1"})
    assert replay.get_json()["data"]["transaction_id"] == data["transaction_id"]
    assert len(processed_pushes(gateway)) == 1  # the retry prompted no one


# 3. A 5xx or non-JSON answer is not a refusal ----------------------------------------------------


@pytest.mark.parametrize("kind", ["html_502", "html_504"])
def test_a_proxy_page_after_the_push_is_pending_never_failed_and_the_callback_settles_it(
    gateway: Gateway, kind: str
):
    fault(gateway, STK_PUSH, kind, processed=True)

    answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 202
    data = answer.get_json()["data"]
    assert data["status"] == "PENDING"
    assert "do not resend" in data["ResponseDescription"]
    assert gateway.wait_for(data["transaction_id"])["status"] == "COMPLETED"  # matched by phone and amount


def test_a_proxy_page_after_a_payout_then_its_success_result_completes_it(gateway: Gateway):
    fault(gateway, B2C_PATH, "html_502", processed=True)

    answer = send(gateway, B2C)

    assert answer.status_code == 202
    settled = wait_final(gateway, "demo-b2c", answer.get_json()["data"]["transaction_id"])
    assert settled["status"] == "COMPLETED"


def test_a_refusal_that_daraja_carried_out_all_the_same_is_overruled_by_the_result(gateway: Gateway):
    """Daraja's own 'not done' code (500.001.1001), yet the money moved: the Result is proof."""
    fault(gateway, B2C_PATH, "daraja_error", error_code="500.001.1001", processed=True)

    answer = send(gateway, B2C)

    assert answer.status_code == 424
    transaction_id = answer.get_json()["error"]["transaction_id"]
    deadline = time.monotonic() + 8
    while transaction(gateway, "demo-b2c", transaction_id)["status"] != "COMPLETED":
        assert time.monotonic() < deadline, "the success result never overruled the refusal"
        time.sleep(0.1)
    assert "after FAILED by request" in transaction(gateway, "demo-b2c", transaction_id)["conflict"]


# 4. A payout whose Lambda is killed, then retried under the same key --------------------------------


class Killed(BaseException):
    """What Lambda's timeout does to an invocation: no except clause gets to run."""


def test_a_payout_killed_after_sending_and_retried_under_its_key_is_never_sent_twice(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
):
    def die(*_: Any, **__: Any) -> None:
        raise Killed

    headers = {**gateway.auth("demo"), "Idempotency-Key": "killed-1"}
    with monkeypatch.context() as patch:
        patch.setattr(DynamoTransactionStore, "record_conversation", die)
        with pytest.raises(Killed):
            gateway.client.post("/api/pay/demo-b2c/sendMoney", json=B2C, headers=headers)
    # Lambda's deadline passes, and with it the in-progress idempotency record.
    idempotency = boto3.resource("dynamodb").Table(get_settings().idempotency_table)
    for item in idempotency.scan()["Items"]:
        idempotency.delete_item(Key={"id": item["id"]})

    retry = gateway.client.post("/api/pay/demo-b2c/sendMoney", json=B2C, headers=headers)

    data = retry.get_json()["data"]
    assert (retry.status_code, data["status"]) in {(202, "PENDING"), (200, "COMPLETED")}
    assert len(gateway.simulator_log(B2C_PATH)) == 1
    assert wait_final(gateway, "demo-b2c", data["transaction_id"])["status"] == "COMPLETED"


# 5. A storage failure after Daraja accepted ------------------------------------------------------


def test_a_storage_failure_after_the_push_was_accepted_is_a_202_with_the_transaction_id(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, reconcile
):
    gateway.rule(msisdn="254712345678", drop_callback=True, callback_delay_ms=100)

    def unavailable(*_: Any, **__: Any) -> None:
        raise StorageUnavailable("DynamoDB is down")

    with monkeypatch.context() as patch:
        patch.setattr(DynamoTransactionStore, "record_push_accepted", unavailable)
        answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 202
    data = answer.get_json()["data"]
    assert data["transaction_id"].startswith("txn_")
    assert stored(gateway, data["transaction_id"])["checkout_request_id"] == data["CheckoutRequestID"]
    time.sleep(0.5)  # the customer has paid
    reconcile()  # the CheckoutRequestID kept on the transaction lets STK Query settle it
    assert stored(gateway, data["transaction_id"])["status"] == "COMPLETED"


def test_dynamodb_throttling_after_a_callback_is_stored_is_acknowledged_and_applied_later(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, reconcile
):
    gateway.rule(msisdn="254712345678", drop_callback=True)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    def throttled(*_: Any, **__: Any) -> None:
        raise StorageUnavailable("DynamoDB throttled the update")

    with monkeypatch.context() as patch:
        patch.setattr(DynamoTransactionStore, "settle", throttled)
        answer = gateway.callback(stk_body(data["CheckoutRequestID"]))

    assert answer.status_code == 200  # stored before anything else: Safaricom must not lose it
    assert stored(gateway, data["transaction_id"])["status"] == "PENDING"
    tally = reconcile()
    assert tally["callback_reapplied"] == 1
    assert stored(gateway, data["transaction_id"])["status"] == "COMPLETED"
    assert stored(gateway, data["transaction_id"])["settled_by"] == "callback"


# 6. STK Query codes ----------------------------------------------------------------------------------


def test_an_stk_query_code_not_known_to_be_final_keeps_the_push_pending(gateway: Gateway):
    gateway.rule(msisdn="254712345678", result_code=4999, drop_callback=True, callback_delay_ms=100)
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    time.sleep(0.5)  # the customer has acted

    status = gateway.status(data["transaction_id"]).get_json()["data"]

    assert status["status"] == "PENDING"
    assert "4999" in status["ResultDesc"]


def test_a_paid_callback_after_a_query_said_failed_overrules_it_and_is_flagged(gateway: Gateway):
    gateway.rule(msisdn="254712345678", result_code=1, drop_callback=True, callback_delay_ms=100)
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    time.sleep(0.5)  # the customer has acted
    assert gateway.status(data["transaction_id"]).get_json()["data"]["status"] == "FAILED"

    gateway.callback(stk_body(data["CheckoutRequestID"]))

    settled = stored(gateway, data["transaction_id"])
    assert (settled["status"], settled["settled_by"]) == ("COMPLETED", "callback")
    assert settled["conflict"] == "callback said COMPLETED (0) after FAILED by query"


# 8. Reversals ------------------------------------------------------------------------------------------


def test_a_second_reversal_while_one_is_in_flight_is_a_409_and_reversals_cannot_be_reversed(gateway: Gateway):
    paid = wait_final(gateway, "demo-b2c", send(gateway, B2C).get_json()["data"]["transaction_id"])
    gateway.rule(party="600997", callback_delay_ms=3000)  # the reversal's result takes its time
    path = f"/api/pay/demo-b2c/reverseTransaction/{paid['transaction_id']}"

    first = gateway.client.post(path, headers=gateway.auth("demo"))
    second = gateway.client.post(path, headers=gateway.auth("demo"))

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "reversal_in_flight"
    reversal = first.get_json()["data"]["transaction_id"]
    again = gateway.client.post(
        f"/api/pay/demo-b2c/reverseTransaction/{reversal}", headers=gateway.auth("demo")
    )
    assert again.status_code == 400
    assert "cannot be reversed" in again.get_json()["error"]["message"]


def test_a_reversal_replays_under_its_idempotency_key(gateway: Gateway):
    paid = wait_final(gateway, "demo-b2c", send(gateway, B2C).get_json()["data"]["transaction_id"])
    path = f"/api/pay/demo-b2c/reverseTransaction/{paid['transaction_id']}"
    headers = {**gateway.auth("demo"), "Idempotency-Key": "reverse-1"}

    first = gateway.client.post(path, headers=headers)
    replay = gateway.client.post(path, headers=headers)

    assert replay.get_json() == first.get_json()
    assert len(gateway.simulator_log("/mpesa/reversal/v1/request")) == 1


# 9. The reconciler ------------------------------------------------------------------------------------


def test_a_push_with_no_outcome_at_its_maximum_age_expires(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, reconcile
):
    gateway.rule(msisdn="254712345678", response_delay_ms=2000, callback_delay_ms=60_000)
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    monkeypatch.setenv("STK_MAX_AGE_SECONDS", "0")
    get_settings.cache_clear()

    assert reconcile() == {"EXPIRED": 1}
    assert stored(gateway, data["transaction_id"])["status"] == "EXPIRED"


def test_a_payout_whose_answer_and_result_were_lost_is_settled_by_transaction_status(
    gateway: Gateway, reconcile
):
    gateway.rule(msisdn="254712345678", drop_callback=True)
    fault(gateway, B2C_PATH, "reset", processed=True)
    data = send(gateway, B2C).get_json()["data"]
    assert data["status"] == "PENDING"

    assert reconcile()["status_asked"] == 1

    assert wait_final(gateway, "demo-b2c", data["transaction_id"])["status"] == "COMPLETED"
    assert stored(gateway, data["transaction_id"])["settled_by"] == "status_query"


def test_a_payout_unconfirmed_at_its_maximum_age_is_escalated_not_failed(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, reconcile
):
    fault(gateway, B2C_PATH, "reset", processed=False)
    data = send(gateway, B2C).get_json()["data"]
    monkeypatch.setenv("PAYOUT_MAX_AGE_SECONDS", "0")
    get_settings.cache_clear()

    assert reconcile()["escalated"] == 1

    escalated = stored(gateway, data["transaction_id"])
    assert escalated["status"] == "PENDING"
    assert escalated["escalated_at"]


# 10. Callback checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("callback", "doubt"),
    [
        ({"amount": 10.0, "phone": 254799999999}, "phone_mismatch"),
        ({"amount": 11.0}, "amount_mismatch"),
    ],
)
def test_a_paid_callback_that_does_not_match_the_push_waits_for_a_query(
    gateway: Gateway, callback: dict[str, Any], doubt: str
):
    gateway.rule(msisdn="254712345678", drop_callback=True)
    data = gateway.request_payment(PAYMENT).get_json()["data"]

    gateway.callback(stk_body(data["CheckoutRequestID"], **callback))

    assert stored(gateway, data["transaction_id"])["status"] == "PENDING"
    (kept,) = gateway.items(f"CALLBACK#demo-express#{data['CheckoutRequestID']}")
    assert kept["outcome"] == doubt


def test_a_success_callback_without_metadata_is_not_trusted(gateway: Gateway):
    gateway.rule(msisdn="254712345678", drop_callback=True)
    data = gateway.request_payment(PAYMENT).get_json()["data"]
    body = stk_body(data["CheckoutRequestID"])
    del body["Body"]["stkCallback"]["CallbackMetadata"]

    gateway.callback(body)

    assert stored(gateway, data["transaction_id"])["status"] == "PENDING"
    (kept,) = gateway.items(f"CALLBACK#demo-express#{data['CheckoutRequestID']}")
    assert kept["outcome"] == "success_without_metadata"


def test_a_c2b_confirmation_stored_while_dynamodb_throttled_is_recorded_by_the_reconciler(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, reconcile
):
    confirmation = {
        "TransactionType": "Pay Bill",
        "TransID": "QJI3R7GXZZ",
        "TransTime": "20260315143000",
        "TransAmount": "100.50",
        "BusinessShortCode": "600984",
        "BillRefNumber": "ACC-1",
        "InvoiceNumber": "",
        "OrgAccountBalance": "1000.00",
        "ThirdPartyTransID": "",
        "MSISDN": "254712345678",
        "FirstName": "JOHN",
        "MiddleName": "",
        "LastName": "DOE",
    }

    def throttled(*_: Any, **__: Any) -> None:
        raise StorageUnavailable("DynamoDB throttled the put")

    with monkeypatch.context() as patch:
        patch.setattr(DynamoTransactionStore, "create", throttled)
        answer = gateway.client.post(
            "/api/pay/demo-c2b/callback/confirmation",
            json=confirmation,
            query_string={"secret": "demo-c2b-callback-secret"},
        )

    assert answer.status_code == 200  # acknowledged: Safaricom never resends a confirmation
    assert gateway.items(f"TXN#{c2b_transaction_id('demo-c2b', 'QJI3R7GXZZ')}") == []
    assert reconcile()["callback_reapplied"] == 1
    recorded = stored(gateway, c2b_transaction_id("demo-c2b", "QJI3R7GXZZ"))
    assert (recorded["status"], recorded["paid_amount"]) == ("COMPLETED", "100.50")


# 11. Bad input that became a 500 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("demo-express/callback", stk_body("ws_CO_" + "9" * 3000)),
        ("demo-b2c/callback/result", {"Result": {"ResultCode": 0, "OriginatorConversationID": "x" * 3000}}),
    ],
    ids=["stk-callback", "result"],
)
def test_a_callback_whose_identifier_no_dynamodb_key_could_hold_is_kept_and_answered_400(
    gateway: Gateway, route: str, body: dict[str, Any]
):
    app = route.split("/", maxsplit=1)[0]

    answer = gateway.client.post(
        f"/api/pay/{route}", json=body, query_string={"secret": f"{app}-callback-secret"}
    )

    assert answer.status_code == 400
    (kept,) = gateway.items(f"CALLBACK#{app}#UNPARSEABLE")
    assert kept["outcome"] == "unparseable"


def test_a_reversal_whose_result_was_lost_reverses_its_original_once_transaction_status_says_completed(
    gateway: Gateway, reconcile
):
    paid = wait_final(gateway, "demo-b2c", send(gateway, B2C).get_json()["data"]["transaction_id"])
    fault(gateway, "/mpesa/reversal/v1/request", "reset", processed=False)
    answer = gateway.client.post(
        f"/api/pay/demo-b2c/reverseTransaction/{paid['transaction_id']}", headers=gateway.auth("demo")
    )
    reversal_id = answer.get_json()["data"]["transaction_id"]
    assert reconcile()["status_asked"] == 1
    (query,) = [item for item in gateway.items("TXN#") if item["type"] == "STATUS_QUERY"]
    # Daraja's answer to that status query (as the result of a reversal it did carry out would read):
    completed = {
        "Result": {
            "ResultType": 0,
            "ResultCode": 0,
            "ResultDesc": "The service request is processed successfully.",
            "OriginatorConversationID": query["transaction_id"],
            "ConversationID": "AG_20261130_status",
            "TransactionID": "SG0STATUS1",
            "ResultParameters": {"ResultParameter": [{"Key": "TransactionStatus", "Value": "Completed"}]},
        }
    }

    gateway.client.post(
        "/api/pay/demo-b2c/callback/result",
        json=completed,
        query_string={"secret": "demo-b2c-callback-secret"},
    )

    reversal = transaction(gateway, "demo-b2c", reversal_id)
    assert (reversal["status"], reversal["settled_by"]) == ("COMPLETED", "status_query")
    assert transaction(gateway, "demo-b2c", paid["transaction_id"])["status"] == "REVERSED"
