"""Unit tests of the simulator's C2B simulate (validation, then confirmation) and its control API."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import SimulatorSettings, create_app, get_state

NAIROBI = ZoneInfo("Africa/Nairobi")
KEY, SECRET = "c2b-key", "c2b-secret"
SHORT_CODE = "600984"
TILL = "5123456"
PHONE = "254708374149"
SIMULATE = {"v1": "/mpesa/c2b/v1/simulate", "v2": "/mpesa/c2b/v2/simulate"}
REGISTER = {"v1": "/mpesa/c2b/v1/registerurl", "v2": "/mpesa/c2b/v2/registerurl"}
PAYMENTS = "/simulator/c2b/payments"
CONFIRMATIONS = "/simulator/c2b/confirmations"
VALIDATE_PATH, CONFIRM_PATH = "/hooks/c2b/validate", "/hooks/c2b/confirm"
ACCEPT = {"ResultCode": "0", "ResultDesc": "Accepted"}
CALLBACK_FIELDS = [
    "TransactionType",
    "TransID",
    "TransTime",
    "TransAmount",
    "BusinessShortCode",
    "BillRefNumber",
    "InvoiceNumber",
    "OrgAccountBalance",
    "ThirdPartyTransID",
    "MSISDN",
    "FirstName",
    "MiddleName",
    "LastName",
]
TRANS_ID = re.compile(r"[A-Z][A-Z0-9]{9}")
ORIGINATOR_ID = re.compile(r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d{7}")
WAIT_SECONDS = 5.0
SLOW_SECONDS = 3.0  # a validation answer this late is past the test apps' 0.5 s timeout
MISSING = object()
SETTINGS = SimulatorSettings(
    credentials={KEY: SECRET}, passkeys={}, default_callback_delay_ms=0, callback_timeout_seconds=0.5
)


# --- a scripted local receiver -----------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON to send; a str is sent as it is; None sends no body
    delay_seconds: float = 0.0


class Receiver:
    """A local HTTP server that records the JSON POSTed to each path and answers as scripted."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {CONFIRM_PATH: Answer(body={"ResultCode": 0})}
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver._calls.append((self.path, json.loads(raw)))
                answer = receiver.answers.get(self.path, Answer(status=404))
                receiver._closing.wait(answer.delay_seconds)
                if isinstance(answer.body, str):
                    payload = answer.body.encode()
                else:
                    payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the simulator gave up waiting (the slow case)
                    pass

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def bodies(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for called, body in self._calls if called == path]

    def paths(self) -> list[str]:
        with self._lock:
            return [called for called, _ in self._calls]

    def wait_for(self, path: str, count: int) -> list[dict[str, Any]]:
        assert wait_until(lambda: len(self.bodies(path)) >= count), f"{path}: {self.bodies(path)}"
        return self.bodies(path)

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()


# --- helpers and fixtures ----------------------------------------------------------------------


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def get_token(client: FlaskClient) -> str:
    response = client.get("/oauth/v1/generate?grant_type=client_credentials", auth=(KEY, SECRET))
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_daraja_error(response: Any, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"requestId", "errorCode", "errorMessage"}
    assert body["requestId"]
    assert (body["errorCode"], body["errorMessage"]) == (code, message)


def dead_url() -> str:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/validate"


def register(
    client: FlaskClient,
    token: str,
    receiver: Receiver,
    *,
    version: str = "v2",
    short_code: str = SHORT_CODE,
    response_type: str = "Completed",
    validation_url: str | None = None,
) -> None:
    body = {
        "ShortCode": short_code,
        "ResponseType": response_type,
        "ConfirmationURL": receiver.base_url + CONFIRM_PATH,
        "ValidationURL": validation_url or receiver.base_url + VALIDATE_PATH,
    }
    response = client.post(REGISTER[version], json=body, headers=bearer(token))
    assert response.status_code == 200, response.json


def simulate_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ShortCode": SHORT_CODE,
        "CommandID": "CustomerPayBillOnline",
        "Amount": 100,
        "Msisdn": PHONE,
        "BillRefNumber": "INV-001",
    }
    for field, value in overrides.items():
        if value is MISSING:
            body.pop(field)
        else:
            body[field] = value
    return body


def simulate(client: FlaskClient, token: str, body: Any, version: str = "v2") -> Any:
    return client.post(SIMULATE[version], json=body, headers=bearer(token))


def payments(client: FlaskClient) -> list[dict[str, Any]]:
    response = client.get(PAYMENTS)
    assert response.status_code == 200
    return response.json["payments"]


def settled_payment(client: FlaskClient, conversation_id: str) -> dict[str, Any]:
    """The payment once validation is over; after that no confirmation is pending unless confirmed."""

    def find() -> dict[str, Any] | None:
        for payment in payments(client):
            if payment["originator_conversation_id"] == conversation_id:
                return payment
        return None

    def settled() -> bool:
        payment = find()
        return payment is not None and (payment["validation"] is not None or payment["confirmed"])

    assert wait_until(settled), find()
    payment = find()
    assert payment is not None
    return payment


def pay(client: FlaskClient, token: str, body: dict[str, Any] | None = None, version: str = "v2") -> str:
    response = simulate(client, token, body or simulate_body(), version)
    assert response.status_code == 200, response.json
    return response.json["OriginatorCoversationID"]


def callbacks(client: FlaskClient) -> list[dict[str, Any]]:
    return client.get("/simulator/callbacks").json["callbacks"]


def add_rule(client: FlaskClient, **rule: Any) -> None:
    response = client.post("/simulator/rules", json={"msisdn": PHONE, **rule})
    assert response.status_code == 201, response.json


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app(SETTINGS)
    yield app
    get_state(app).shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(client: FlaskClient) -> str:
    return get_token(client)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.answers[VALIDATE_PATH] = Answer(body=ACCEPT)
    yield receiver
    receiver.close()


# --- accepted payments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "endpoint", "msisdn"),
    [("v1", "v2", PHONE), ("v2", "v1", "2547 ***** 149"), ("v2", "v2", "2547 ***** 149")],
)
def test_accepted_payment_validates_then_confirms(
    client: FlaskClient, token: str, receiver: Receiver, registered: str, endpoint: str, msisdn: str
) -> None:
    register(client, token, receiver, version=registered)
    before = datetime.now(NAIROBI).replace(microsecond=0)
    response = simulate(client, token, simulate_body(), endpoint)
    assert response.status_code == 200
    answer = response.json
    assert list(answer) == ["OriginatorCoversationID", "ResponseCode", "ResponseDescription"]  # sic
    assert ORIGINATOR_ID.fullmatch(answer["OriginatorCoversationID"])
    assert answer["ResponseCode"] == "0"
    assert answer["ResponseDescription"] == "Accept the service request successfully."

    [confirmation] = receiver.wait_for(CONFIRM_PATH, 1)
    [validation] = receiver.bodies(VALIDATE_PATH)
    assert receiver.paths() == [VALIDATE_PATH, CONFIRM_PATH]
    assert list(validation) == CALLBACK_FIELDS
    assert TRANS_ID.fullmatch(validation["TransID"])
    trans_time = datetime.strptime(validation["TransTime"], "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
    assert before <= trans_time <= datetime.now(NAIROBI)  # Nairobi time, not the host's or UTC
    assert validation == {
        "TransactionType": "Pay Bill",
        "TransID": validation["TransID"],
        "TransTime": validation["TransTime"],
        "TransAmount": "100.00",
        "BusinessShortCode": SHORT_CODE,
        "BillRefNumber": "INV-001",
        "InvoiceNumber": "",
        "OrgAccountBalance": "",  # no balance before the payment is accepted
        "ThirdPartyTransID": "",
        "MSISDN": msisdn,
        "FirstName": "JOHN",
        "MiddleName": "",
        "LastName": "DOE",
    }
    assert confirmation == {**validation, "OrgAccountBalance": "1100.00"}

    payment = settled_payment(client, answer["OriginatorCoversationID"])
    assert payment == {
        "trans_id": validation["TransID"],
        "trans_time": validation["TransTime"],
        "short_code": SHORT_CODE,
        "command_id": "CustomerPayBillOnline",
        "msisdn": PHONE,  # the record keeps the whole number
        "amount": 100,
        "bill_ref": "INV-001",
        "originator_conversation_id": answer["OriginatorCoversationID"],
        "validation": {"status": 200, "result_code": "0"},
        "confirmed": True,
    }


def test_callback_log_holds_validation_then_confirmation(
    client: FlaskClient, token: str, receiver: Receiver
) -> None:
    register(client, token, receiver)
    pay(client, token)
    receiver.wait_for(CONFIRM_PATH, 1)
    assert wait_until(lambda: len(callbacks(client)) == 2)
    validation, confirmation = callbacks(client)
    assert (validation["url"], validation["status"], validation["error"]) == (
        receiver.base_url + VALIDATE_PATH,
        200,
        None,
    )
    assert validation["answer"] == ACCEPT
    assert validation["body"] == receiver.bodies(VALIDATE_PATH)[0]
    assert (confirmation["url"], confirmation["status"], confirmation["error"]) == (
        receiver.base_url + CONFIRM_PATH,
        200,
        None,
    )
    assert confirmation["body"] == receiver.bodies(CONFIRM_PATH)[0]


@pytest.mark.parametrize(
    "body",
    [
        simulate_body(Amount="250", Msisdn=int(PHONE), ShortCode=int(SHORT_CODE), BillRefNumber=12345),
        simulate_body(BillRefNumber="A" * 20, Msisdn="254112345678"),
    ],
    ids=["numbers-as-text", "longest-ref-and-01-number"],
)
def test_accepted_field_variants(
    client: FlaskClient, token: str, receiver: Receiver, body: dict[str, Any]
) -> None:
    register(client, token, receiver, version="v1")
    payment = settled_payment(client, pay(client, token, body))
    [confirmation] = receiver.wait_for(CONFIRM_PATH, 1)
    assert confirmation["MSISDN"] == payment["msisdn"] == str(body["Msisdn"])
    assert confirmation["BillRefNumber"] == payment["bill_ref"] == str(body["BillRefNumber"])
    assert confirmation["TransAmount"] == f"{int(body['Amount'])}.00"
    assert confirmation["BusinessShortCode"] == SHORT_CODE


def test_integer_zero_result_code_accepts(client: FlaskClient, token: str, receiver: Receiver) -> None:
    receiver.answers[VALIDATE_PATH] = Answer(body={"ResultCode": 0, "ResultDesc": "Accepted"})
    register(client, token, receiver)
    payment = settled_payment(client, pay(client, token))
    assert (payment["validation"], payment["confirmed"]) == ({"status": 200, "result_code": 0}, True)
    receiver.wait_for(CONFIRM_PATH, 1)


def test_balance_grows_per_short_code_and_trans_ids_differ(
    client: FlaskClient, token: str, receiver: Receiver
) -> None:
    register(client, token, receiver)
    register(client, token, receiver, short_code="600985")
    for amount, short_code in [(100, SHORT_CODE), (250, SHORT_CODE), (40, "600985")]:
        settled_payment(client, pay(client, token, simulate_body(Amount=amount, ShortCode=short_code)))
    confirmations = receiver.wait_for(CONFIRM_PATH, 3)
    assert [(c["BusinessShortCode"], c["TransAmount"], c["OrgAccountBalance"]) for c in confirmations] == [
        (SHORT_CODE, "100.00", "1100.00"),
        (SHORT_CODE, "250.00", "1350.00"),
        ("600985", "40.00", "1040.00"),
    ]
    assert len({c["TransID"] for c in confirmations}) == 3


def test_third_party_trans_id_is_echoed(client: FlaskClient, token: str, receiver: Receiver) -> None:
    receiver.answers[VALIDATE_PATH] = Answer(body={**ACCEPT, "ThirdPartyTransID": "GW-7f3a91"})
    register(client, token, receiver)
    pay(client, token)
    [confirmation] = receiver.wait_for(CONFIRM_PATH, 1)
    assert receiver.bodies(VALIDATE_PATH)[0]["ThirdPartyTransID"] == ""
    assert confirmation["ThirdPartyTransID"] == "GW-7f3a91"


@pytest.mark.parametrize("bill_ref", [MISSING, None, "", "ignored"], ids=["absent", "null", "empty", "text"])
def test_till_payment(client: FlaskClient, token: str, receiver: Receiver, bill_ref: Any) -> None:
    register(client, token, receiver, short_code=TILL)
    body = simulate_body(ShortCode=TILL, CommandID="CustomerBuyGoodsOnline", BillRefNumber=bill_ref)
    payment = settled_payment(client, pay(client, token, body))
    [confirmation] = receiver.wait_for(CONFIRM_PATH, 1)
    [validation] = receiver.bodies(VALIDATE_PATH)
    for sent in (validation, confirmation):
        assert (sent["TransactionType"], sent["BillRefNumber"]) == ("Buy Goods", "")
        assert sent["BusinessShortCode"] == TILL
    assert (payment["command_id"], payment["bill_ref"], payment["confirmed"]) == (
        "CustomerBuyGoodsOnline",
        "",
        True,
    )


# --- rejected and unreachable validation -------------------------------------------------------


@pytest.mark.parametrize("code", ["C2B00012", "C2B00011", "C2B00016", 1, "00", False])
def test_rejected_payment_is_not_confirmed(
    client: FlaskClient, token: str, receiver: Receiver, code: Any
) -> None:
    receiver.answers[VALIDATE_PATH] = Answer(body={"ResultCode": code, "ResultDesc": "Rejected"})
    register(client, token, receiver)
    payment = settled_payment(client, pay(client, token))
    assert payment["validation"] == {"status": 200, "result_code": code}
    assert payment["confirmed"] is False
    # Settled unconfirmed means no confirmation was ever scheduled: nothing to wait for.
    assert receiver.paths() == [VALIDATE_PATH]
    [logged] = callbacks(client)
    assert logged["answer"] == {"ResultCode": code, "ResultDesc": "Rejected"}


UNUSABLE_VALIDATION = {
    "slow": (Answer(body=ACCEPT, delay_seconds=SLOW_SECONDS), None, "Timeout"),
    "server-error": (Answer(status=500, body=ACCEPT), 500, None),
    "not-json": (Answer(body="OK"), 200, None),
    "no-result-code": (Answer(body={"ResultDesc": "Accepted"}), 200, None),
    "down": (None, None, "ConnectionError"),
}


@pytest.mark.parametrize("case", list(UNUSABLE_VALIDATION))
@pytest.mark.parametrize(("response_type", "confirmed"), [("Completed", True), ("Cancelled", False)])
def test_unusable_validation_follows_response_type(
    client: FlaskClient, token: str, receiver: Receiver, case: str, response_type: str, confirmed: bool
) -> None:
    answer, status, error = UNUSABLE_VALIDATION[case]
    if answer is not None:
        receiver.answers[VALIDATE_PATH] = answer
    validation_url = None if answer is not None else dead_url()
    register(client, token, receiver, response_type=response_type, validation_url=validation_url)
    started = time.monotonic()
    payment = settled_payment(client, pay(client, token))
    assert time.monotonic() - started < SLOW_SECONDS  # the slow answer was not waited for
    assert payment["validation"] == {"status": status, "result_code": None}
    assert payment["confirmed"] is confirmed
    validation_entry = callbacks(client)[0]
    assert validation_entry["status"] == status
    assert (error is None) == (validation_entry["error"] is None)
    if error is not None:
        assert error in validation_entry["error"]
    if confirmed:
        [confirmation] = receiver.wait_for(CONFIRM_PATH, 1)
        assert confirmation["OrgAccountBalance"] == "1100.00"
    else:
        assert receiver.bodies(CONFIRM_PATH) == []


def test_validation_timeout_is_capped_at_daraja_deadline(receiver: Receiver) -> None:
    seen: list[float] = []

    def exchange(url: str, body: dict[str, Any], timeout_seconds: float) -> tuple[int, Any]:
        seen.append(timeout_seconds)
        return 200, ACCEPT

    app = create_app(SimulatorSettings(credentials={KEY: SECRET}, passkeys={}, default_callback_delay_ms=0))
    get_state(app).c2b_exchange = exchange
    client = app.test_client()
    token = get_token(client)
    try:
        register(client, token, receiver)
        payment = settled_payment(client, pay(client, token))
        assert seen == [8.0]  # the settings say 10 s; M-Pesa does not wait that long
        assert payment["confirmed"] is True
        receiver.wait_for(CONFIRM_PATH, 1)
        assert receiver.bodies(VALIDATE_PATH) == []  # the exchange replaced the HTTP call
    finally:
        get_state(app).shutdown()


def test_injected_deliver_gives_no_validation_answer(receiver: Receiver) -> None:
    delivered: list[tuple[str, dict[str, Any]]] = []

    def deliver(url: str, body: dict[str, Any], timeout_seconds: float) -> int:
        delivered.append((url, body))
        return 200

    app = create_app(SETTINGS, deliver=deliver)
    client = app.test_client()
    token = get_token(client)
    try:
        register(client, token, receiver, response_type="Completed")
        payment = settled_payment(client, pay(client, token))
        # A status without a body is no verdict, so the ResponseType decided.
        assert payment["validation"] == {"status": 200, "result_code": None}
        assert wait_until(lambda: len(delivered) == 2)
        assert [url for url, _ in delivered] == [
            receiver.base_url + VALIDATE_PATH,
            receiver.base_url + CONFIRM_PATH,
        ]
        assert receiver.paths() == []
    finally:
        get_state(app).shutdown()


# --- per-number rules --------------------------------------------------------------------------


def test_duplicate_confirmations(client: FlaskClient, token: str, receiver: Receiver) -> None:
    add_rule(client, duplicate_callbacks=2)
    register(client, token, receiver)
    pay(client, token)
    confirmations = receiver.wait_for(CONFIRM_PATH, 3)
    assert len(confirmations) == 3
    assert confirmations[0] == confirmations[1] == confirmations[2]
    assert len(receiver.bodies(VALIDATE_PATH)) == 1  # only the confirmation is repeated
    assert wait_until(lambda: len(callbacks(client)) == 4)
    assert [entry["attempt"] for entry in callbacks(client)] == [1, 1, 2, 3]


def test_callback_delay_postpones_validation_not_the_answer(
    client: FlaskClient, token: str, receiver: Receiver
) -> None:
    add_rule(client, callback_delay_ms=400)
    register(client, token, receiver)
    started = time.monotonic()
    conversation_id = pay(client, token)
    assert time.monotonic() - started < 0.3
    [pending] = payments(client)
    assert (pending["validation"], pending["confirmed"]) == (None, False)
    assert receiver.paths() == []
    receiver.wait_for(CONFIRM_PATH, 1)
    assert time.monotonic() - started >= 0.4
    assert settled_payment(client, conversation_id)["confirmed"] is True


def test_rules_for_other_numbers_do_not_apply(client: FlaskClient, token: str, receiver: Receiver) -> None:
    add_rule(client, duplicate_callbacks=3)
    register(client, token, receiver)
    pay(client, token, simulate_body(Msisdn="254712345678"))
    receiver.wait_for(CONFIRM_PATH, 1)
    assert wait_until(lambda: len(callbacks(client)) == 2)
    assert len(receiver.bodies(CONFIRM_PATH)) == 1


def test_shutdown_cancels_pending_payments(
    app: Flask, client: FlaskClient, token: str, receiver: Receiver
) -> None:
    add_rule(client, callback_delay_ms=200)
    register(client, token, receiver)
    pay(client, token)
    get_state(app).shutdown()
    time.sleep(0.4)
    assert receiver.paths() == []


# --- refused requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ShortCode", MISSING),
        ("ShortCode", "6009"),
        ("ShortCode", "60098412"),
        ("ShortCode", "60098a"),
        ("ShortCode", None),
        ("CommandID", MISSING),
        ("CommandID", "customerpaybillonline"),
        ("CommandID", "BusinessPayBill"),
        ("CommandID", ""),
        ("Amount", MISSING),
        ("Amount", 0),
        ("Amount", -5),
        ("Amount", 10.5),
        ("Amount", 10.0),
        ("Amount", "10.00"),
        ("Amount", ""),
        ("Amount", True),
        ("Msisdn", MISSING),
        ("Msisdn", "0708374149"),
        ("Msisdn", "+254708374149"),
        ("Msisdn", "254208374149"),
        ("Msisdn", "2547083741490"),
        ("Msisdn", None),
        ("BillRefNumber", MISSING),
        ("BillRefNumber", None),
        ("BillRefNumber", ""),
        ("BillRefNumber", "   "),
        ("BillRefNumber", "A" * 21),
        ("BillRefNumber", ["INV-001"]),
    ],
)
def test_simulate_invalid_field(
    client: FlaskClient, token: str, receiver: Receiver, field: str, value: Any
) -> None:
    register(client, token, receiver)
    response = simulate(client, token, simulate_body(**{field: value}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert payments(client) == []


@pytest.mark.parametrize("bill_ref", ["A" * 21, 3.5, {"ref": 1}])
def test_till_bill_ref_must_still_be_text(
    client: FlaskClient, token: str, receiver: Receiver, bill_ref: Any
) -> None:
    register(client, token, receiver, short_code=TILL)
    body = simulate_body(ShortCode=TILL, CommandID="CustomerBuyGoodsOnline", BillRefNumber=bill_ref)
    assert_daraja_error(
        simulate(client, token, body), 400, "400.002.02", "Bad Request - Invalid BillRefNumber"
    )


def test_simulate_reports_first_invalid_field(client: FlaskClient, token: str) -> None:
    body = simulate_body(CommandID="x", Amount=0, Msisdn="1")
    assert_daraja_error(simulate(client, token, body), 400, "400.002.02", "Bad Request - Invalid CommandID")


@pytest.mark.parametrize("data", ["not json", "[]", "null"])
def test_simulate_invalid_payload(client: FlaskClient, token: str, data: str) -> None:
    headers = {**bearer(token), "Content-Type": "application/json"}
    response = client.post(SIMULATE["v2"], data=data, headers=headers)
    assert_daraja_error(response, 400, "400.002.05", "Invalid Request Payload")


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_unregistered_short_code(client: FlaskClient, token: str, receiver: Receiver, version: str) -> None:
    register(client, token, receiver, short_code="600985")
    response = simulate(client, token, simulate_body(), version)
    assert_daraja_error(response, 500, "500.003.1001", "No URLs registered for the short code")
    assert payments(client) == []
    assert receiver.paths() == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Basic {KEY}"}],
    ids=["missing", "unknown", "wrong-scheme"],
)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_simulate_requires_token(
    client: FlaskClient, token: str, receiver: Receiver, headers: dict[str, str], version: str
) -> None:
    register(client, token, receiver)
    response = client.post(SIMULATE[version], json=simulate_body(), headers=headers)
    assert_daraja_error(response, 404, "404.001.03", "Invalid Access Token")
    assert payments(client) == []


def test_simulate_refuses_replaced_token(client: FlaskClient, token: str, receiver: Receiver) -> None:
    register(client, token, receiver)
    get_token(client)  # a new token for the same consumer key kills the previous one
    assert_daraja_error(simulate(client, token, simulate_body()), 404, "404.001.03", "Invalid Access Token")


def test_simulate_requests_are_logged(client: FlaskClient, token: str, receiver: Receiver) -> None:
    register(client, token, receiver)
    pay(client, token, version="v1")
    simulate(client, token, simulate_body(Amount=0))
    logged = client.get("/simulator/requests").json["requests"]
    assert [(entry["path"], entry["status"]) for entry in logged[-2:]] == [
        (SIMULATE["v1"], 200),
        (SIMULATE["v2"], 400),
    ]
    assert logged[-2]["body"] == simulate_body()


# --- confirmations without validation (control API) --------------------------------------------


@pytest.mark.parametrize(("version", "msisdn"), [("v1", PHONE), ("v2", "2547 ***** 149")])
def test_direct_confirmation(
    client: FlaskClient, token: str, receiver: Receiver, version: str, msisdn: str
) -> None:
    register(client, token, receiver, version=version)
    response = client.post(
        CONFIRMATIONS,
        json={"short_code": SHORT_CODE, "msisdn": PHONE, "amount": 500, "bill_ref_number": "ACC-9"},
    )
    assert response.status_code == 202
    trans_id = response.json["trans_id"]
    assert TRANS_ID.fullmatch(trans_id)
    [confirmation] = receiver.wait_for(CONFIRM_PATH, 1)
    assert receiver.paths() == [CONFIRM_PATH]  # no validation first
    assert list(confirmation) == CALLBACK_FIELDS
    assert confirmation == {
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": confirmation["TransTime"],
        "TransAmount": "500.00",
        "BusinessShortCode": SHORT_CODE,
        "BillRefNumber": "ACC-9",
        "InvoiceNumber": "",
        "OrgAccountBalance": "1500.00",
        "ThirdPartyTransID": "",
        "MSISDN": msisdn,
        "FirstName": "JOHN",
        "MiddleName": "",
        "LastName": "DOE",
    }
    trans_time = datetime.strptime(confirmation["TransTime"], "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
    assert abs(datetime.now(NAIROBI) - trans_time) < timedelta(seconds=5)
    [payment] = payments(client)
    assert payment["trans_id"] == trans_id
    assert (payment["validation"], payment["confirmed"], payment["originator_conversation_id"]) == (
        None,
        True,
        None,
    )
    # The receiver can answer before the simulator's delivery thread has logged the delivery.
    assert wait_until(lambda: len(callbacks(client)) == 1)
    assert [entry["url"] for entry in callbacks(client)] == [receiver.base_url + CONFIRM_PATH]


def test_direct_confirmation_defaults_and_till(client: FlaskClient, token: str, receiver: Receiver) -> None:
    register(client, token, receiver)
    register(client, token, receiver, short_code=TILL)
    minimal = client.post(CONFIRMATIONS, json={"short_code": int(SHORT_CODE), "msisdn": PHONE, "amount": "7"})
    till = client.post(
        CONFIRMATIONS,
        json={
            "short_code": TILL,
            "msisdn": PHONE,
            "amount": 30,
            "command_id": "CustomerBuyGoodsOnline",
            "bill_ref_number": "ignored",
        },
    )
    assert (minimal.status_code, till.status_code) == (202, 202)
    confirmations = {c["TransID"]: c for c in receiver.wait_for(CONFIRM_PATH, 2)}
    paybill, goods = confirmations[minimal.json["trans_id"]], confirmations[till.json["trans_id"]]
    assert (paybill["TransactionType"], paybill["BillRefNumber"], paybill["TransAmount"]) == (
        "Pay Bill",
        "",
        "7.00",
    )
    assert (goods["TransactionType"], goods["BillRefNumber"], goods["BusinessShortCode"]) == (
        "Buy Goods",
        "",
        TILL,
    )


def test_direct_confirmation_delay_and_duplicates(
    client: FlaskClient, token: str, receiver: Receiver
) -> None:
    add_rule(client, duplicate_callbacks=1, callback_delay_ms=5000)  # the delay is the request's
    register(client, token, receiver)
    started = time.monotonic()
    response = client.post(
        CONFIRMATIONS, json={"short_code": SHORT_CODE, "msisdn": PHONE, "amount": 1, "delay_ms": 300}
    )
    assert response.status_code == 202
    assert time.monotonic() - started < 0.25
    assert receiver.paths() == []
    first, second = receiver.wait_for(CONFIRM_PATH, 2)
    assert time.monotonic() - started >= 0.3
    assert first == second
    assert first["TransID"] == response.json["trans_id"]


def test_direct_confirmation_without_registration(client: FlaskClient, receiver: Receiver) -> None:
    response = client.post(CONFIRMATIONS, json={"short_code": SHORT_CODE, "msisdn": PHONE, "amount": 1})
    assert response.status_code == 404
    assert response.json["field"] == "short_code"
    assert payments(client) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"short_code": MISSING}, "short_code"),
        ({"short_code": "12"}, "short_code"),
        ({"msisdn": MISSING}, "msisdn"),
        ({"msisdn": "0708374149"}, "msisdn"),
        ({"amount": MISSING}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": 2.5}, "amount"),
        ({"command_id": "BusinessPayBill"}, "command_id"),
        ({"bill_ref_number": "A" * 21}, "bill_ref_number"),
        ({"bill_ref_number": ["x"]}, "bill_ref_number"),
        ({"delay_ms": -1}, "delay_ms"),
        ({"delay_ms": "10"}, "delay_ms"),
        ({"delay_ms": True}, "delay_ms"),
        ({"delay_ms": 600_001}, "delay_ms"),
        ({"amuont": 5}, "amuont"),
    ],
)
def test_direct_confirmation_invalid_input(
    client: FlaskClient, token: str, receiver: Receiver, overrides: dict[str, Any], field: str
) -> None:
    register(client, token, receiver)
    body: dict[str, Any] = {"short_code": SHORT_CODE, "msisdn": PHONE, "amount": 10}
    for name, value in overrides.items():
        if value is MISSING:
            body.pop(name)
        else:
            body[name] = value
    response = client.post(CONFIRMATIONS, json=body)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert field in response.json["error"]
    assert payments(client) == []


def test_direct_confirmation_needs_json_object(client: FlaskClient) -> None:
    response = client.post(CONFIRMATIONS, data="[]", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json["field"]) == (400, "body")


def test_clear_payments(client: FlaskClient, token: str, receiver: Receiver) -> None:
    register(client, token, receiver)
    settled_payment(client, pay(client, token))
    assert client.delete(PAYMENTS).json == {"deleted": 1}
    assert payments(client) == []
    assert client.delete(PAYMENTS).json == {"deleted": 0}
