"""C2B validation (rules and the merchant's own endpoint), confirmation, and transaction listing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from mpesa_gateway.config import get_settings
from mpesa_gateway.models import C2BValidationRules
from mpesa_gateway.store.registry import DynamoRegistry
from tests.integration.conftest import Gateway
from tests.integration.test_express import PAYMENT

SECRET = "demo-c2b-callback-secret"


def payment(trans_id: str = "QJI3R7GXWV", **changes: Any) -> dict[str, Any]:
    """The seed's validation/confirmation body, for demo-c2b's short code."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": "20260315143000",
        "TransAmount": "100.00",
        "BusinessShortCode": "600984",
        "BillRefNumber": "INV-2026-001",
        "InvoiceNumber": "",
        "OrgAccountBalance": "1500.00",
        "ThirdPartyTransID": "",
        "MSISDN": "2547 ***** 126",
        "FirstName": "JOHN",
        "MiddleName": "",
        "LastName": "DOE",
        **changes,
    }


def validate(gateway: Gateway, body: Any, secret: str | None = SECRET):
    query = {"secret": secret} if secret else {}
    return gateway.client.post("/api/pay/demo-c2b/validateTransaction", json=body, query_string=query)


def confirm(gateway: Gateway, body: Any, secret: str | None = SECRET):
    query = {"secret": secret} if secret else {}
    return gateway.client.post("/api/pay/demo-c2b/callback/confirmation", json=body, query_string=query)


def set_rules(**rules: Any) -> None:
    registry = DynamoRegistry(get_settings().registry_table)
    app = registry.get_app("demo-c2b")
    registry.put_app(app.model_copy(update={"c2b_validation": C2BValidationRules(**rules)}))


def validations(gateway: Gateway, trans_id: str) -> list[str]:
    return [
        item["outcome"]
        for item in gateway.items(f"CALLBACK#demo-c2b#{trans_id}")
        if item["kind"] == "c2b_validation"
    ]


# Confirmation --------------------------------------------------------------------------------------


def test_a_confirmation_is_recorded_as_a_completed_c2b_transaction(gateway: Gateway):
    answer = confirm(gateway, payment())

    assert answer.status_code == 200
    assert answer.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    (stored,) = gateway.items("TXN#")
    assert stored["transaction_id"] == "txn_c2b_demo-c2b_QJI3R7GXWV"
    assert (stored["type"], stored["status"]) == ("C2B", "COMPLETED")
    assert (stored["amount"], stored["paid_amount"]) == (100, "100.00")
    assert stored["phone_number"] == "2547 ***** 126"  # masked as given
    assert stored["reference"] == "INV-2026-001"
    assert stored["payer_name"] == "JOHN DOE"
    assert stored["transaction_date"] == "2026-03-15T14:30:00+03:00"
    assert stored["validation"] == "no validation request"
    assert "pending_pk" not in stored


def test_a_duplicate_confirmation_changes_nothing(gateway: Gateway):
    confirm(gateway, payment())
    first = gateway.items("TXN#")

    again = confirm(gateway, payment(TransAmount="999.00"))

    assert again.status_code == 200
    assert gateway.items("TXN#") == first
    outcomes = sorted(item["outcome"] for item in gateway.items("CALLBACK#demo-c2b#QJI3R7GXWV"))
    assert outcomes == ["duplicate", "recorded"]


def test_a_confirmation_is_linked_to_its_validation(gateway: Gateway):
    validate(gateway, payment())

    confirm(gateway, payment())

    (stored,) = gateway.items("TXN#")
    assert stored["validation"].startswith("accepted 0")


@pytest.mark.parametrize("secret", [None, "wrong", "demo-express-callback-secret"])
def test_calls_without_the_apps_secret_are_refused_and_not_stored(gateway: Gateway, secret):
    assert confirm(gateway, payment(), secret=secret).status_code == 403
    assert validate(gateway, payment(), secret=secret).status_code == 403
    assert gateway.items("") == []


@pytest.mark.parametrize("body", ["not json", [1, 2], {"TransID": "X1"}, {**payment(), "TransID": "bad id!"}])
def test_an_unusable_confirmation_is_a_400_but_kept_for_inspection(gateway: Gateway, body):
    answer = gateway.client.post(
        "/api/pay/demo-c2b/callback/confirmation",
        data=body if isinstance(body, str) else json.dumps(body),
        query_string={"secret": SECRET},
        content_type="application/json",
    )

    assert answer.status_code == 400
    assert gateway.items("TXN#") == []
    assert len(gateway.items("CALLBACK#")) == 1


# Validation by the app's rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "changes", "code"),
    [
        ({}, {}, "0"),
        ({"min_amount": 200}, {}, "C2B00013"),
        ({"max_amount": 50}, {}, "C2B00013"),
        ({"min_amount": 100, "max_amount": 100}, {}, "0"),
        ({"account_pattern": r"INV-\d{4}-\d{3}"}, {}, "0"),
        ({"account_pattern": r"INV-\d{4}-\d{3}"}, {"BillRefNumber": "inv 1"}, "C2B00012"),
        ({"allowed_accounts": ["inv-2026-001", "X"]}, {}, "0"),
        ({"allowed_accounts": ["X"]}, {}, "C2B00012"),
        ({}, {"BusinessShortCode": "600000"}, "C2B00015"),
        ({}, {"TransAmount": "abc"}, "C2B00013"),
    ],
)
def test_the_apps_rules_decide_and_every_decision_is_recorded(gateway: Gateway, rules, changes, code):
    set_rules(**rules)

    answer = validate(gateway, payment(**changes))

    assert answer.status_code == 200
    assert answer.get_json()["ResultCode"] == code
    assert answer.get_json()["ResultDesc"] == ("Accepted" if code == "0" else "Rejected")
    (decision,) = validations(gateway, "QJI3R7GXWV")
    assert decision.startswith(("accepted " if code == "0" else "rejected ") + code)
    assert gateway.items("TXN#") == []  # validation alone records no payment


# Validation by the merchant's own endpoint --------------------------------------------------------


class MerchantEndpoint:
    """A merchant's validation URL on loopback, answering as told."""

    def __init__(self) -> None:
        self.answer: Any = {"ResultCode": "0", "ResultDesc": "Accepted"}
        self.delay = 0.0
        self.received: list[dict] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                time.sleep(endpoint.delay)
                body = json.dumps(endpoint.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/validate"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def merchant_endpoint() -> Iterator[MerchantEndpoint]:
    endpoint = MerchantEndpoint()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def test_the_merchants_endpoint_decides_after_the_rules_pass(gateway: Gateway, merchant_endpoint):
    set_rules(forward_url=merchant_endpoint.url)
    merchant_endpoint.answer = {"ResultCode": "C2B00012", "ResultDesc": "Rejected"}

    rejected = validate(gateway, payment())
    merchant_endpoint.answer = {"ResultCode": 0, "ThirdPartyTransID": "shop-42"}
    accepted = validate(gateway, payment(TransID="QJI3R7GXWW"))

    assert rejected.get_json()["ResultCode"] == "C2B00012"
    assert accepted.get_json() == {
        "ResultCode": "0",
        "ResultDesc": "Accepted",
        "ThirdPartyTransID": "shop-42",
    }
    assert merchant_endpoint.received[0]["TransID"] == "QJI3R7GXWV"


def test_the_rules_reject_before_the_merchant_is_asked(gateway: Gateway, merchant_endpoint):
    set_rules(forward_url=merchant_endpoint.url, max_amount=10)

    assert validate(gateway, payment()).get_json()["ResultCode"] == "C2B00013"
    assert merchant_endpoint.received == []


@pytest.mark.parametrize(("accept", "code"), [(True, "0"), (False, "C2B00016")])
def test_a_slow_merchant_gets_the_apps_default_in_time(gateway: Gateway, merchant_endpoint, accept, code):
    set_rules(forward_url=merchant_endpoint.url, forward_timeout_ms=300, accept_when_unanswered=accept)
    merchant_endpoint.delay = 2

    started = time.monotonic()
    answer = validate(gateway, payment())

    assert time.monotonic() - started < 1.5
    assert answer.get_json()["ResultCode"] == code
    assert "did not answer" in validations(gateway, "QJI3R7GXWV")[0]


@pytest.mark.parametrize("answer", ["not a dict", {"ResultCode": "maybe"}, {}])
def test_a_garbled_merchant_answer_counts_as_no_answer(gateway: Gateway, merchant_endpoint, answer):
    set_rules(forward_url=merchant_endpoint.url, accept_when_unanswered=False)
    merchant_endpoint.answer = answer

    assert validate(gateway, payment()).get_json()["ResultCode"] == "C2B00016"


def test_a_merchant_endpoint_that_is_down_gets_the_default(gateway: Gateway):
    set_rules(forward_url="http://127.0.0.1:9/validate", accept_when_unanswered=True)

    assert validate(gateway, payment()).get_json()["ResultCode"] == "0"


# Listing -------------------------------------------------------------------------------------------


def listing(gateway: Gateway, app: str = "demo-c2b", merchant: str = "demo", **query: Any):
    return gateway.client.get(
        f"/api/pay/{app}/transactions", query_string=query, headers=gateway.auth(merchant)
    )


def test_listing_is_newest_first_filtered_and_paginated(gateway: Gateway):
    for number in range(5):
        confirm(gateway, payment(f"QJI3R7GX{number:02d}", BillRefNumber=f"ACC{number % 2}"))
        time.sleep(0.01)

    everything = listing(gateway).get_json()
    account_one = listing(gateway, reference="ACC1").get_json()["data"]
    first_page = listing(gateway, limit=2).get_json()
    second_page = listing(gateway, limit=2, cursor=first_page["next_cursor"]).get_json()

    ids = [item["receipt_number"] for item in everything["data"]]
    assert ids == [f"QJI3R7GX{number:02d}" for number in (4, 3, 2, 1, 0)]
    assert everything["next_cursor"] is None
    assert [item["receipt_number"] for item in account_one] == ["QJI3R7GX03", "QJI3R7GX01"]
    assert [item["receipt_number"] for item in first_page["data"] + second_page["data"]] == ids[:4]
    assert all("merchant_id" not in item for item in everything["data"])


def test_listing_filters_by_type_status_and_time(gateway: Gateway):
    gateway.request_payment(PAYMENT)  # an STK push on another app is not listed here
    confirm(gateway, payment())

    c2b = listing(gateway, type="C2B", status="COMPLETED").get_json()["data"]
    none_pending = listing(gateway, status="PENDING").get_json()["data"]
    future = listing(gateway, **{"from": "2099-01-01T00:00:00+03:00"}).get_json()["data"]
    past = listing(gateway, to="2000-01-01T00:00:00Z").get_json()["data"]
    stk = listing(gateway, app="demo-express", type="STK_PUSH").get_json()["data"]

    assert [item["type"] for item in c2b] == ["C2B"]
    assert (none_pending, future, past) == ([], [], [])
    assert [item["type"] for item in stk] == ["STK_PUSH"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"type": "CASH"}, "type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"from": "2026-01-01T00:00:00"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "eyJwayI6ICJ4In0="}, "cursor"),
        ({"sort": "asc"}, "sort"),
    ],
)
def test_bad_listing_queries_are_400_naming_the_parameter(gateway: Gateway, query: dict, field: str):
    answer = listing(gateway, **query)

    assert answer.status_code == 400
    assert field in answer.get_json()["error"]["message"]


def test_another_apps_cursor_is_refused(gateway: Gateway):
    for number in range(3):
        confirm(gateway, payment(f"QJI3R7GX{number:02d}"))
    cursor = listing(gateway, limit=1).get_json()["next_cursor"]

    answer = listing(gateway, app="demo-express", cursor=cursor)

    assert answer.status_code == 400


def test_one_transaction_by_id_or_receipt_for_every_type(gateway: Gateway):
    confirm(gateway, payment())
    stk = gateway.request_payment(PAYMENT).get_json()["data"]

    def one(app: str, reference: str):
        return gateway.client.get(f"/api/pay/{app}/transactions/{reference}", headers=gateway.auth("demo"))

    assert one("demo-c2b", "txn_c2b_demo-c2b_QJI3R7GXWV").get_json()["data"]["type"] == "C2B"
    assert one("demo-c2b", "QJI3R7GXWV").get_json()["data"]["c2b"]["payer_name"] == "JOHN DOE"
    assert one("demo-express", stk["transaction_id"]).get_json()["data"]["type"] == "STK_PUSH"
    assert (
        one("demo-express", stk["CheckoutRequestID"]).get_json()["data"]["transaction_id"]
        == stk["transaction_id"]
    )
    assert one("demo-express", "QJI3R7GXWV").status_code == 404  # another app's
    assert one("demo-c2b", "txn_nothing").status_code == 404


# Simulate (the flow itself is exercised with the simulator elsewhere) -------------------------------


@pytest.mark.parametrize(
    ("app", "body", "status", "named"),
    [
        (
            "demo-express",
            {"phone_number": "0712345678", "amount": 100, "reference": "A1"},
            400,
            "MpesaKeExpress",
        ),
        ("demo-c2b", {"phone_number": "12345", "amount": 100, "reference": "A1"}, 400, "phone_number"),
        ("demo-c2b", {"phone_number": "0712345678", "amount": 0, "reference": "A1"}, 400, "amount"),
        ("demo-c2b", {"phone_number": "0712345678", "amount": 5, "reference": "X" * 21}, 400, "reference"),
    ],
)
def test_bad_simulations_are_refused(gateway: Gateway, app: str, body: dict, status: int, named: str):
    answer = gateway.client.post(
        f"/api/pay/{app}/simulateTransaction", json=body, headers=gateway.auth("demo")
    )

    assert answer.status_code == status
    assert named in answer.get_json()["error"]["message"]


def test_simulating_on_a_live_app_is_refused(gateway: Gateway):
    registry = DynamoRegistry(get_settings().registry_table)
    registry.put_app(registry.get_app("demo-c2b").model_copy(update={"is_live": True}))

    answer = gateway.client.post(
        "/api/pay/demo-c2b/simulateTransaction",
        json={"phone_number": "0712345678", "amount": 5, "reference": "A1"},
        headers=gateway.auth("demo"),
    )

    assert answer.status_code == 400
    assert "sandbox" in answer.get_json()["error"]["message"]


# The whole flow with the simulator: register, then a sandbox customer pays -------------------------


def simulate(gateway: Gateway, **body: Any):
    fields = {"phone_number": "0708374149", "amount": 100, "reference": "INV-2026-001", **body}
    return gateway.client.post(
        "/api/pay/demo-c2b/simulateTransaction", json=fields, headers=gateway.auth("demo")
    )


def simulated_payments(gateway: Gateway) -> list[dict]:
    return requests.get(f"{gateway.simulator_url}/simulator/c2b/payments", timeout=5).json()["payments"]


def settle(gateway: Gateway, count: int = 1, timeout: float = 8) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in simulated_payments(gateway) if p["validation"] is not None or p["confirmed"]]
        if len(done) >= count:
            time.sleep(0.3)  # let the confirmation, if any, land
            return simulated_payments(gateway)
        time.sleep(0.1)
    return simulated_payments(gateway)


def test_registered_app_receives_a_simulated_payment(gateway: Gateway):
    gateway.client.post("/api/pay/demo-c2b/registerUrls", headers=gateway.auth("demo"))

    answer = simulate(gateway)

    assert answer.status_code == 200
    assert answer.get_json()["data"]["OriginatorConversationID"]
    (paid,) = settle(gateway)
    assert paid["confirmed"] is True
    (stored,) = gateway.items("TXN#")
    assert stored["receipt_number"] == paid["trans_id"]
    assert stored["phone_number"] == "2547 ***** 149"  # v2 masks it; kept as given
    assert stored["validation"].startswith("accepted 0")
    assert (stored["amount"], stored["reference"]) == (100, "INV-2026-001")


def test_a_payment_the_rules_reject_is_never_recorded(gateway: Gateway):
    set_rules(max_amount=50)
    gateway.client.post("/api/pay/demo-c2b/registerUrls", headers=gateway.auth("demo"))

    simulate(gateway)

    (paid,) = settle(gateway)
    assert paid["confirmed"] is False
    assert gateway.items("TXN#") == []
    assert validations(gateway, paid["trans_id"])[0].startswith("rejected C2B00013")


def test_simulating_before_registering_is_refused_by_daraja(gateway: Gateway):
    answer = simulate(gateway)

    assert answer.status_code == 424
    assert answer.get_json()["error"]["code"] == "daraja_rejected"


# Confirmations that are not this app's money: stored, acknowledged, never a transaction -------------


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({"BusinessShortCode": "600000"}, "short_code_mismatch"),
        ({"TransAmount": "0.00"}, "invalid_amount"),
        ({"TransAmount": "-100.00"}, "invalid_amount"),
        ({"TransAmount": "abc"}, "invalid_amount"),
        ({"TransAmount": "1e100"}, "invalid_amount"),
    ],
)
def test_a_confirmation_for_another_short_code_or_a_bad_amount_is_kept_acknowledged_and_not_recorded(
    gateway: Gateway, changes: dict, outcome: str
):
    answer = confirm(gateway, payment(**changes))

    assert answer.status_code == 200
    assert answer.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}  # Safaricom never resends
    assert gateway.items("TXN#") == []
    (stored,) = gateway.items("CALLBACK#demo-c2b#QJI3R7GXWV")
    assert stored["outcome"] == outcome
    assert stored["body"]["TransAmount"] == payment(**changes)["TransAmount"]  # the raw body, as sent
    assert stored.get("transaction_id") is None


def test_a_confirmation_to_the_apps_till_is_recorded(gateway: Gateway):
    registry = DynamoRegistry(get_settings().registry_table)
    registry.put_app(registry.get_app("demo-c2b").model_copy(update={"till_number": "5123456"}))

    assert confirm(gateway, payment(BusinessShortCode="5123456")).status_code == 200

    (stored,) = gateway.items("TXN#")
    assert stored["status"] == "COMPLETED"


def test_a_confirmation_with_cents_keeps_the_exact_amount(gateway: Gateway):
    confirm(gateway, payment(TransAmount="100.50"))

    (stored,) = gateway.items("TXN#")
    # amount is the model's whole shillings; paid_amount is what was paid, cents included.
    assert (stored["amount"], stored["paid_amount"]) == (100, "100.50")
