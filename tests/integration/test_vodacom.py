"""MpesaTz and MpesaCongo apps (demo-tz, demo-drc) on the merchant routes, against the Vodacom simulator:
requestPayment accepted with 202 and completed by the worker (once, however often its job is delivered),
an unknown outcome settled by the reconciler's queryTransactionStatus, synchronous payouts, reversal and
status, and refusals of what a market does not take."""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest
import requests

from infra.queues import VODACOM_PAYMENTS
from infra.routes import FUNCTIONS_DIR, RECONCILER, VODACOM_PAYMENT_WORKER
from local.apigw.invoker import Invoker
from local.event_sources import queue_record
from mpesa_gateway.config import get_settings
from mpesa_gateway.runtime import transactions
from tests.integration.conftest import Gateway

TZ_PAYMENTS = "/sandbox/ipg/v2/vodacomTZN/c2bPayment/singleStage/"
DRC_PAYMENTS = "/sandbox/ipg/v2/vodacomDRC/c2bPayment/singleStage/"
TZ_CUSTOMER = "255712345678"
DRC_CUSTOMER = "243812345678"
PAYMENT = {"phone_number": "0712345678", "amount": "1500", "reference": "ORDER1", "description": "Shoes"}
SCHEDULED_EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@pytest.fixture
def invoker(monkeypatch: pytest.MonkeyPatch, gateway: Gateway) -> Invoker:
    """The worker and the reconciler as their event sources would run them; the reconciler looks at
    everything pending at once."""
    for name in ("RECONCILE_AFTER_SECONDS", "STATUS_QUERY_INTERVAL_SECONDS"):
        monkeypatch.setenv(name, "0")
    get_settings.cache_clear()
    return Invoker(FUNCTIONS_DIR, "af-south-1", "000000000000")


def queued_jobs() -> dict[str, Any]:
    """The payment queue's waiting messages as one SQS event (left on the queue: the test may redeliver)."""
    sqs = boto3.client("sqs")
    url = os.environ[VODACOM_PAYMENTS.env_var]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
    return {"Records": [queue_record(message, arn, "af-south-1") for message in messages.get("Messages", [])]}


def work(invoker: Invoker, event: dict[str, Any] | None = None) -> dict[str, Any]:
    return invoker.invoke(VODACOM_PAYMENT_WORKER, event or queued_jobs())


def pay(gateway: Gateway, app: str = "demo-tz", **changes: Any) -> dict[str, Any]:
    answer = gateway.request_payment({**PAYMENT, **changes}, app=app)
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["data"]


def fault(gateway: Gateway, path: str, kind: str, **fields: Any) -> None:
    body = {"path": path, "fault": kind, "count": 1, **fields}
    requests.post(f"{gateway.simulator_url}/simulator/faults", json=body, timeout=5).raise_for_status()


def test_a_payment_is_accepted_at_once_then_the_worker_completes_it_exactly_once(gateway: Gateway, invoker):
    gateway.rule(msisdn=TZ_CUSTOMER, callback_delay_ms=50)
    accepted = pay(gateway)
    assert accepted["status"] == "PENDING"
    assert gateway.simulator_log(TZ_PAYMENTS) == []  # nothing sent before the worker runs

    job = queued_jobs()
    assert work(invoker, job) == {"batchItemFailures": []}
    work(invoker, job)  # SQS delivers the same job again: it finds the payment claimed

    status = gateway.status(accepted["transaction_id"], app="demo-tz").get_json()["data"]
    assert status["status"] == "COMPLETED"
    assert status["settled_by"] == "answer"
    assert (status["currency"], status["exact_amount"], status["phone_number"]) == (
        "TZS",
        "1500",
        TZ_CUSTOMER,
    )
    assert status["receipt_number"]
    assert len(gateway.simulator_log(TZ_PAYMENTS)) == 1

    # Another worker has claimed this one and is waiting for its customer: this one sends nothing.
    other = pay(gateway, reference="ORDER2")
    assert transactions().claim_send(other["transaction_id"])
    work(invoker)
    assert len(gateway.simulator_log(TZ_PAYMENTS)) == 1
    assert gateway.items(f"TXN#{other['transaction_id']}")[0]["status"] == "PENDING"


@pytest.mark.parametrize(
    ("result_code", "status", "code"), [(5, "CANCELLED", "INS-5"), (2006, "FAILED", "INS-2006")]
)
def test_a_customer_who_declines_or_lacks_the_balance_is_a_refusal(
    gateway: Gateway, invoker, result_code: int, status: str, code: str
):
    gateway.rule(msisdn=TZ_CUSTOMER, result_code=result_code, callback_delay_ms=50)
    accepted = pay(gateway)
    work(invoker)

    data = gateway.status(accepted["transaction_id"], app="demo-tz").get_json()["data"]
    assert (data["status"], data["ResultCode"], data["settled_by"]) == (status, code, "request")


def test_a_drc_payment_keeps_its_cents_and_currency(gateway: Gateway, invoker):
    gateway.rule(msisdn=DRC_CUSTOMER, callback_delay_ms=50)
    accepted = pay(gateway, "demo-drc", phone_number="+243 812 345 678", amount="12.5", currency="CDF")
    work(invoker)

    data = gateway.status(accepted["transaction_id"], app="demo-drc").get_json()["data"]
    assert (data["status"], data["exact_amount"], data["currency"]) == ("COMPLETED", "12.50", "CDF")


def test_a_lost_answer_stays_pending_and_the_reconciler_settles_it_without_resending(
    gateway: Gateway, invoker
):
    gateway.rule(msisdn=TZ_CUSTOMER, callback_delay_ms=50)
    fault(gateway, TZ_PAYMENTS, "reset", processed=True)  # paid, then the connection is cut
    accepted = pay(gateway)
    work(invoker)
    pending = gateway.items(f"TXN#{accepted['transaction_id']}")[0]
    assert pending["status"] == "PENDING"
    assert "outcome unknown" in pending["error"]

    assert invoker.invoke(RECONCILER, SCHEDULED_EVENT) == {"COMPLETED": 1}
    settled = gateway.items(f"TXN#{accepted['transaction_id']}")[0]
    assert (settled["status"], settled["settled_by"]) == ("COMPLETED", "query")
    assert settled["receipt_number"]
    assert len(gateway.simulator_log(TZ_PAYMENTS)) == 1


@pytest.mark.parametrize(
    ("app", "body", "field"),
    [
        ("demo-tz", {"phone_number": "254712345678"}, "phone_number"),  # a Kenyan number
        ("demo-tz", {"amount": "10.50"}, "amount"),  # shillings have no cents here
        ("demo-drc", {"phone_number": DRC_CUSTOMER, "currency": "TZS"}, "currency"),
        ("demo-express", {"phone_number": TZ_CUSTOMER}, "phone_number"),  # Daraja's push is Kenyan
    ],
)
def test_what_a_market_does_not_take_is_a_400_naming_it_and_nothing_is_stored(
    gateway: Gateway, app: str, body: dict[str, Any], field: str
):
    answer = gateway.request_payment({**PAYMENT, **body}, app=app)
    assert answer.status_code == 400, answer.get_json()
    assert field in str(answer.get_json()["error"])
    assert gateway.items("TXN#") == []


def test_check_balance_says_vodacoms_api_has_none(gateway: Gateway):
    answer = gateway.client.get("/api/pay/demo-drc/checkBalance", headers=gateway.auth("demo"))
    assert answer.status_code == 400
    assert "no balance query" in answer.get_json()["error"]["message"]


def send_money(gateway: Gateway, app: str, body: dict[str, Any], key: str | None = None):
    headers = {**gateway.auth("demo"), **({"Idempotency-Key": key} if key else {})}
    return gateway.client.post(f"/api/pay/{app}/sendMoney", json=body, headers=headers)


def test_payouts_b2c_and_b2b_by_shape_replay_per_key_and_reverse_once(gateway: Gateway):
    b2c = {"phone_number": TZ_CUSTOMER, "amount": "5000", "reference": "REFUND7"}
    first = send_money(gateway, "demo-tz", b2c, key="refund-7")
    again = send_money(gateway, "demo-tz", b2c, key="refund-7")
    assert first.status_code == again.status_code == 200, first.get_json()
    assert first.get_json() == again.get_json()
    paid = first.get_json()["data"]
    assert paid["status"] == "COMPLETED"
    assert len(gateway.simulator_log("/sandbox/ipg/v2/vodacomTZN/b2cPayment/")) == 1

    b2b = {"receiver_party_code": "600000", "amount": "99.99", "reference": "INV7", "currency": "USD"}
    business = send_money(gateway, "demo-drc", b2b)
    assert business.status_code == 200, business.get_json()
    assert gateway.items(f"TXN#{business.get_json()['data']['transaction_id']}")[0]["type"] == "B2B"

    path = f"/api/pay/demo-tz/reverseTransaction/{paid['transaction_id']}"
    reversal = gateway.client.post(path, headers=gateway.auth("demo"))
    assert reversal.status_code == 200, reversal.get_json()
    assert reversal.get_json()["data"]["status"] == "COMPLETED"
    original = gateway.items(f"TXN#{paid['transaction_id']}")[0]
    assert original["status"] == "REVERSED"
    assert gateway.client.post(path, headers=gateway.auth("demo")).status_code == 400  # no longer completed

    status = gateway.client.get(
        f"/api/pay/demo-drc/getTransactionStatus/{business.get_json()['data']['transaction_id']}",
        headers=gateway.auth("demo"),
    )
    assert status.get_json()["data"]["status"] == "COMPLETED"


def test_a_refused_payout_is_a_424_and_failed_and_an_overloaded_answer_pending_until_reconciled(
    gateway: Gateway, invoker
):
    gateway.rule(msisdn=TZ_CUSTOMER, result_code=2006)
    refused = send_money(
        gateway, "demo-tz", {"phone_number": TZ_CUSTOMER, "amount": "5000", "reference": "R1"}
    )
    assert refused.status_code == 424, refused.get_json()
    error = refused.get_json()["error"]
    assert error["vodacom_code"] == "INS-2006"
    assert gateway.items(f"TXN#{error['transaction_id']}")[0]["status"] == "FAILED"

    requests.delete(f"{gateway.simulator_url}/simulator/rules", timeout=5).raise_for_status()
    b2c = "/sandbox/ipg/v2/vodacomTZN/b2cPayment/"
    fault(gateway, b2c, "ins_error", error_code="INS-16", processed=True)  # paid, then "overloaded"
    unknown = send_money(
        gateway, "demo-tz", {"phone_number": TZ_CUSTOMER, "amount": "5000", "reference": "R2"}
    )
    assert unknown.status_code == 202, unknown.get_json()
    assert unknown.get_json()["data"]["status"] == "PENDING"

    assert invoker.invoke(RECONCILER, SCHEDULED_EVENT) == {"COMPLETED": 1}
    settled = gateway.items(f"TXN#{unknown.get_json()['data']['transaction_id']}")[0]
    assert (settled["status"], settled["settled_by"]) == ("COMPLETED", "status_query")
    assert len(gateway.simulator_log(b2c)) == 2  # the refused one and the overloaded one; none resent


def test_a_payment_vodacom_turned_away_before_acting_is_tried_again_not_failed(gateway: Gateway, invoker):
    gateway.rule(msisdn=TZ_CUSTOMER, callback_delay_ms=50)
    fault(gateway, TZ_PAYMENTS, "ins_error", error_code="INS-989")  # "Session is not active"
    accepted = pay(gateway)
    job = queued_jobs()
    assert work(invoker, job) == {"batchItemFailures": [{"itemIdentifier": job["Records"][0]["messageId"]}]}
    assert "sent_at" not in gateway.items(f"TXN#{accepted['transaction_id']}")[0]  # the claim was given back

    work(invoker, job)
    assert gateway.items(f"TXN#{accepted['transaction_id']}")[0]["status"] == "COMPLETED"
    assert len(gateway.simulator_log(TZ_PAYMENTS)) == 2  # the turned-away call and the one that paid


def test_a_payment_whose_job_never_ran_is_failed_at_its_maximum_age_and_never_sent(
    gateway: Gateway, invoker, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("STK_MAX_AGE_SECONDS", "0")
    get_settings.cache_clear()
    accepted = pay(gateway)
    job = queued_jobs()
    assert invoker.invoke(RECONCILER, SCHEDULED_EVENT) == {"FAILED": 1}

    work(invoker, job)  # the job shows up after all: the payment is settled, nothing is sent
    stored = gateway.items(f"TXN#{accepted['transaction_id']}")[0]
    assert (stored["status"], stored["settled_by"]) == ("FAILED", "request")
    assert "never sent" in stored["result_desc"]
    assert gateway.simulator_log(TZ_PAYMENTS) == []
