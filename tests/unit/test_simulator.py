"""Unit tests of the local Daraja simulator (local.simulator)."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import DEMO_SETTINGS, SimulatorSettings, create_app, get_state
from local.simulator.tokens import TokenStore

NAIROBI = ZoneInfo("Africa/Nairobi")
SHORTCODE = "174379"
PASSKEY = DEMO_SETTINGS.passkeys[SHORTCODE]
PHONE = "254708374149"
OTHER_PHONE = "254712345678"
KEY, SECRET = "demo-consumer-key", "demo-consumer-secret"
PUSH = "/mpesa/stkpush/v1/processrequest"
QUERY = "/mpesa/stkpushquery/v1/query"
WAIT_SECONDS = 5.0
MISSING = object()
# Loopback discard port: callbacks a test does not watch must never leave the machine.
UNREACHABLE_CALLBACK = "http://127.0.0.1:9/callback/abc"

SETTINGS = SimulatorSettings(
    credentials={KEY: SECRET, "other-key": "other-secret"},
    passkeys=dict(DEMO_SETTINGS.passkeys),
    default_callback_delay_ms=100,
    callback_timeout_seconds=2,
)


# --- helpers -----------------------------------------------------------------------------------


def nairobi_timestamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(NAIROBI)).astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def password(timestamp: str, shortcode: str = SHORTCODE, passkey: str = PASSKEY) -> str:
    return base64.b64encode(f"{shortcode}{passkey}{timestamp}".encode()).decode()


def stk_body(callback_url: str = UNREACHABLE_CALLBACK, **overrides: Any) -> dict[str, Any]:
    timestamp = nairobi_timestamp()
    body: dict[str, Any] = {
        "BusinessShortCode": SHORTCODE,
        "Password": password(timestamp),
        "Timestamp": timestamp,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1,
        "PartyA": PHONE,
        "PartyB": SHORTCODE,
        "PhoneNumber": PHONE,
        "CallBackURL": callback_url,
        "AccountReference": "INV-001",
        "TransactionDesc": "Payment",
    }
    for field, value in overrides.items():
        if value is MISSING:
            body.pop(field)
        else:
            body[field] = value
    return body


def query_body(checkout_request_id: str, **overrides: Any) -> dict[str, Any]:
    timestamp = nairobi_timestamp()
    body = {
        "BusinessShortCode": SHORTCODE,
        "Password": password(timestamp),
        "Timestamp": timestamp,
        "CheckoutRequestID": checkout_request_id,
    }
    body.update(overrides)
    return body


def get_token(client: FlaskClient, key: str = KEY, secret: str = SECRET) -> str:
    response = client.get("/oauth/v1/generate?grant_type=client_credentials", auth=(key, secret))
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_daraja_error(response: Any, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"requestId", "errorCode", "errorMessage"}
    assert body["requestId"]
    assert body["errorCode"] == code
    assert body["errorMessage"] == message


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class Receiver:
    """A tiny local HTTP server that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.bodies.append(json.loads(raw))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/callback"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.bodies)

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        assert wait_until(lambda: len(self.received()) >= count), f"got {len(self.received())} callbacks"
        return self.received()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- fixtures ----------------------------------------------------------------------------------


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
    yield receiver
    receiver.close()


def push(client: FlaskClient, token: str, body: dict[str, Any]) -> Any:
    return client.post(PUSH, json=body, headers=bearer(token))


def add_rule(client: FlaskClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/simulator/rules", json={"msisdn": PHONE, **rule})
    assert response.status_code == 201, response.json
    return response.json


# --- OAuth -------------------------------------------------------------------------------------


def test_public_api_demo_settings() -> None:
    assert DEMO_SETTINGS.credentials == {"demo-consumer-key": "demo-consumer-secret"}
    assert DEMO_SETTINGS.passkeys == {
        "174379": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
    }
    assert (DEMO_SETTINGS.token_ttl_seconds, DEMO_SETTINGS.default_callback_delay_ms) == (3599, 1000)
    assert DEMO_SETTINGS.timestamp_tolerance_seconds == 300
    assert DEMO_SETTINGS.callback_timeout_seconds == 10
    assert isinstance(create_app(DEMO_SETTINGS), Flask)


def test_token_success(client: FlaskClient) -> None:
    response = client.get("/oauth/v1/generate?grant_type=client_credentials", auth=(KEY, SECRET))
    assert response.status_code == 200
    assert response.json["expires_in"] == "3599"  # a string, as Daraja sends it
    assert re.fullmatch(r"[A-Za-z0-9]{28,}", response.json["access_token"])


@pytest.mark.parametrize(
    "auth",
    [(KEY, "wrong-secret"), ("unknown-key", SECRET), ("", ""), None],
    ids=["wrong-secret", "unknown-key", "empty", "no-header"],
)
def test_token_bad_credentials(client: FlaskClient, auth: tuple[str, str] | None) -> None:
    response = client.get("/oauth/v1/generate?grant_type=client_credentials", auth=auth)
    assert_daraja_error(response, 400, "400.008.01", "Invalid Authentication passed")


@pytest.mark.parametrize("query", ["", "?grant_type=password", "?grant_type="])
def test_token_bad_grant_type(client: FlaskClient, query: str) -> None:
    response = client.get(f"/oauth/v1/generate{query}", auth=(KEY, SECRET))
    assert_daraja_error(response, 400, "400.008.02", "Invalid grant type passed")


def test_new_token_invalidates_previous_token_of_same_key(client: FlaskClient) -> None:
    first = get_token(client)
    second = get_token(client)
    assert first != second
    assert_daraja_error(push(client, first, stk_body()), 404, "404.001.03", "Invalid Access Token")
    assert push(client, second, stk_body()).status_code == 200


def test_tokens_of_different_keys_coexist(client: FlaskClient) -> None:
    mine = get_token(client)
    get_token(client, "other-key", "other-secret")
    assert push(client, mine, stk_body()).status_code == 200


def test_concurrent_token_requests_leave_exactly_one_valid(app: Flask) -> None:
    tokens: list[str] = []
    lock = threading.Lock()

    def fetch() -> None:
        token = get_token(app.test_client())
        with lock:
            tokens.append(token)

    threads = [threading.Thread(target=fetch) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    store = get_state(app).tokens
    assert len(set(tokens)) == 16
    assert sum(store.is_valid(token) for token in tokens) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ],
    ids=["missing", "unknown", "wrong-scheme", "empty"],
)
def test_product_endpoint_rejects_bad_token(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post(PUSH, json=stk_body(), headers=headers)
    assert_daraja_error(response, 404, "404.001.03", "Invalid Access Token")


def test_token_expires_after_ttl() -> None:
    now = [1000.0]
    store = TokenStore(ttl_seconds=3599, clock=lambda: now[0])
    token = store.issue(KEY)
    now[0] += 3598.9
    assert store.is_valid(token)
    now[0] += 0.2
    assert not store.is_valid(token)


def test_token_ttl_setting_is_reported() -> None:
    app = create_app(SimulatorSettings(credentials={KEY: SECRET}, passkeys={}, token_ttl_seconds=60))
    response = app.test_client().get("/oauth/v1/generate?grant_type=client_credentials", auth=(KEY, SECRET))
    assert response.json["expires_in"] == "60"


# --- STK push ----------------------------------------------------------------------------------


def test_stk_push_success(client: FlaskClient, token: str) -> None:
    before = datetime.now(NAIROBI).replace(microsecond=0)
    response = push(client, token, stk_body())
    assert response.status_code == 200
    body = response.json
    assert re.fullmatch(r"\d{5}-\d{8}-1", body["MerchantRequestID"])
    match = re.fullmatch(r"ws_CO_(\d{14})(\d{8,})", body["CheckoutRequestID"])
    assert match
    issued = datetime.strptime(match.group(1), "%d%m%Y%H%M%S").replace(tzinfo=NAIROBI)
    assert abs(issued - before) < timedelta(seconds=5)  # Nairobi time, not UTC
    assert body["ResponseCode"] == "0"
    assert body["ResponseDescription"] == "Success. Request accepted for processing"
    assert body["CustomerMessage"] == "Success. Request accepted for processing"


@pytest.mark.parametrize(
    "overrides",
    [
        {"BusinessShortCode": 174379, "PartyA": 254708374149, "PartyB": 174379, "PhoneNumber": 254708374149},
        {"Amount": "1"},
        {"Amount": 70000},
        {"TransactionType": "CustomerBuyGoodsOnline", "PartyB": "5678901"},
        {"AccountReference": "A" * 12, "TransactionDesc": "D" * 13},
        {"TransactionDesc": ""},
        {"PhoneNumber": "254112345678", "PartyA": "254112345678"},
        {"CallBackURL": "http://localhost:9000/cb"},
    ],
    ids=[
        "numeric-ids",
        "string-amount",
        "big-amount",
        "buy-goods",
        "max-lengths",
        "empty-desc",
        "2541",
        "http",
    ],
)
def test_stk_push_accepts_valid_variants(client: FlaskClient, token: str, overrides: dict[str, Any]) -> None:
    response = push(client, token, stk_body(**overrides))
    assert response.status_code == 200, response.json
    assert response.json["ResponseCode"] == "0"


REQUIRED_FIELDS = [
    "BusinessShortCode",
    "Password",
    "Timestamp",
    "TransactionType",
    "Amount",
    "PartyA",
    "PartyB",
    "PhoneNumber",
    "CallBackURL",
    "AccountReference",
    "TransactionDesc",
]


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_stk_push_missing_field(client: FlaskClient, token: str, field: str) -> None:
    response = push(client, token, stk_body(**{field: MISSING}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("BusinessShortCode", "1234"),
        ("BusinessShortCode", "12345678"),
        ("BusinessShortCode", "17437a"),
        ("Password", ""),
        ("Timestamp", "2024-01-01 10:00:00"),
        ("Timestamp", "20241301000000"),
        ("Timestamp", 20240101100000),
        ("Timestamp", nairobi_timestamp(datetime.now(NAIROBI) - timedelta(minutes=10))),
        ("TransactionType", "PayBill"),
        ("Amount", 0),
        ("Amount", -5),
        ("Amount", 1.5),
        ("Amount", "1.5"),
        ("Amount", "abc"),
        ("Amount", True),
        ("PartyA", "0708374149"),
        ("PartyA", "254808374149"),
        ("PartyB", "12"),
        ("PhoneNumber", "+254708374149"),
        ("PhoneNumber", "2547083741490"),
        ("CallBackURL", "ftp://gateway.example/cb"),
        ("CallBackURL", "not a url"),
        ("AccountReference", ""),
        ("AccountReference", "A" * 13),
        ("TransactionDesc", "D" * 14),
        ("TransactionDesc", None),
    ],
)
def test_stk_push_invalid_field(client: FlaskClient, token: str, field: str, value: Any) -> None:
    response = push(client, token, stk_body(**{field: value}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")


def test_stk_push_rejects_utc_timestamp_even_with_matching_password(client: FlaskClient, token: str) -> None:
    utc_timestamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")  # what a Lambda clock gives
    body = stk_body(Timestamp=utc_timestamp, Password=password(utc_timestamp))
    assert_daraja_error(push(client, token, body), 400, "400.002.02", "Bad Request - Invalid Timestamp")


@pytest.mark.parametrize("data", ["not json", "[1, 2]", ""])
def test_stk_push_invalid_payload(client: FlaskClient, token: str, data: str) -> None:
    response = client.post(PUSH, data=data, headers={**bearer(token), "Content-Type": "application/json"})
    assert_daraja_error(response, 400, "400.002.05", "Invalid Request Payload")


def test_stk_push_unknown_shortcode(client: FlaskClient, token: str) -> None:
    timestamp = nairobi_timestamp()
    body = stk_body(BusinessShortCode="600000", Password=password(timestamp, "600000"), Timestamp=timestamp)
    assert_daraja_error(push(client, token, body), 500, "500.001.1001", "Merchant does not exist")


@pytest.mark.parametrize(
    "bad_password",
    [
        password(nairobi_timestamp(), passkey="0" * 64),
        password("20200101000000"),
        "bm90IHRoZSBwYXNzd29yZA==",
    ],
    ids=["wrong-passkey", "other-timestamp", "garbage"],
)
def test_stk_push_wrong_password(client: FlaskClient, token: str, bad_password: str) -> None:
    response = push(client, token, stk_body(Password=bad_password))
    assert_daraja_error(response, 500, "500.001.1001", "Wrong credentials")


def test_token_is_checked_before_payload(client: FlaskClient) -> None:
    response = client.post(PUSH, data="not json", headers={"Content-Type": "application/json"})
    assert_daraja_error(response, 404, "404.001.03", "Invalid Access Token")


# --- STK query ---------------------------------------------------------------------------------


def test_query_pending_then_settled(client: FlaskClient, token: str, receiver: Receiver) -> None:
    add_rule(client, callback_delay_ms=400)
    checkout_id = push(client, token, stk_body(receiver.url)).json["CheckoutRequestID"]
    pending = client.post(QUERY, json=query_body(checkout_id), headers=bearer(token))
    assert_daraja_error(pending, 500, "500.001.1001", "The transaction is being processed")
    receiver.wait_for(1)
    settled = client.post(QUERY, json=query_body(checkout_id), headers=bearer(token))
    assert settled.status_code == 200
    assert settled.json == {
        "ResponseCode": "0",
        "ResponseDescription": "The service request has been accepted successsfully",
        "MerchantRequestID": receiver.received()[0]["Body"]["stkCallback"]["MerchantRequestID"],
        "CheckoutRequestID": checkout_id,
        "ResultCode": "0",
        "ResultDesc": "The service request is processed successfully.",
    }


def test_query_unknown_checkout_request_id(client: FlaskClient, token: str) -> None:
    response = client.post(QUERY, json=query_body("ws_CO_000000000000000000000"), headers=bearer(token))
    assert_daraja_error(response, 400, "400.002.02", "Bad Request - Invalid CheckoutRequestID")


def test_query_checks_password_and_timestamp(client: FlaskClient, token: str) -> None:
    checkout_id = push(client, token, stk_body()).json["CheckoutRequestID"]
    wrong = client.post(QUERY, json=query_body(checkout_id, Password="d3Jvbmc="), headers=bearer(token))
    assert_daraja_error(wrong, 500, "500.001.1001", "Wrong credentials")
    utc = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    late = client.post(
        QUERY, json=query_body(checkout_id, Timestamp=utc, Password=password(utc)), headers=bearer(token)
    )
    assert_daraja_error(late, 400, "400.002.02", "Bad Request - Invalid Timestamp")


def test_query_requires_token(client: FlaskClient) -> None:
    response = client.post(QUERY, json=query_body("ws_CO_1"))
    assert_daraja_error(response, 404, "404.001.03", "Invalid Access Token")


# --- callbacks and rules -----------------------------------------------------------------------


def test_success_callback_shape(client: FlaskClient, token: str, receiver: Receiver) -> None:
    answer = push(client, token, stk_body(receiver.url, Amount=5)).json
    callback = receiver.wait_for(1)[0]
    assert list(callback) == ["Body"]
    stk = callback["Body"]["stkCallback"]
    assert stk["MerchantRequestID"] == answer["MerchantRequestID"]
    assert stk["CheckoutRequestID"] == answer["CheckoutRequestID"]
    assert stk["ResultCode"] == 0
    assert stk["ResultDesc"] == "The service request is processed successfully."
    items = stk["CallbackMetadata"]["Item"]
    assert [item["Name"] for item in items] == [
        "Amount",
        "MpesaReceiptNumber",
        "Balance",
        "TransactionDate",
        "PhoneNumber",
    ]
    values = {item["Name"]: item.get("Value", MISSING) for item in items}
    assert values["Amount"] == 5
    assert re.fullmatch(r"[A-Z][A-Z0-9]{9}", values["MpesaReceiptNumber"])
    assert values["Balance"] is MISSING
    assert values["PhoneNumber"] == int(PHONE)
    assert isinstance(values["TransactionDate"], int)
    paid_at = datetime.strptime(str(values["TransactionDate"]), "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
    assert abs(paid_at - datetime.now(NAIROBI)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (1, "The balance is insufficient for the transaction."),
        (1032, "Request cancelled by user."),
        (1037, "DS timeout user cannot be reached."),
        (2001, "The initiator information is invalid."),
        (4242, "Simulated failure"),
    ],
)
def test_failure_rule_callback_and_query(
    client: FlaskClient, token: str, receiver: Receiver, code: int, description: str
) -> None:
    add_rule(client, result_code=code)
    checkout_id = push(client, token, stk_body(receiver.url)).json["CheckoutRequestID"]
    stk = receiver.wait_for(1)[0]["Body"]["stkCallback"]
    assert stk["ResultCode"] == code
    assert stk["ResultDesc"] == description
    assert "CallbackMetadata" not in stk
    query = client.post(QUERY, json=query_body(checkout_id), headers=bearer(token)).json
    assert (query["ResultCode"], query["ResultDesc"]) == (str(code), description)


def test_rule_applies_only_to_its_number(client: FlaskClient, token: str, receiver: Receiver) -> None:
    add_rule(client, msisdn=OTHER_PHONE, result_code=1032)
    push(client, token, stk_body(receiver.url))
    assert receiver.wait_for(1)[0]["Body"]["stkCallback"]["ResultCode"] == 0


def test_drop_callback_still_settles_query(
    app: Flask, client: FlaskClient, token: str, receiver: Receiver
) -> None:
    add_rule(client, drop_callback=True, result_code=1032, callback_delay_ms=100)
    checkout_id = push(client, token, stk_body(receiver.url)).json["CheckoutRequestID"]

    def settled() -> bool:
        return client.post(QUERY, json=query_body(checkout_id), headers=bearer(token)).status_code == 200

    assert wait_until(settled)
    time.sleep(0.3)  # well past the delay: a callback would have arrived by now
    assert receiver.received() == []
    assert client.get("/simulator/callbacks").json["callbacks"] == []
    query = client.post(QUERY, json=query_body(checkout_id), headers=bearer(token)).json
    assert query["ResultCode"] == "1032"


def test_duplicate_callbacks(client: FlaskClient, token: str, receiver: Receiver) -> None:
    add_rule(client, duplicate_callbacks=2)
    push(client, token, stk_body(receiver.url))
    bodies = receiver.wait_for(3)
    time.sleep(0.3)  # no fourth copy may follow
    assert len(receiver.received()) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    log = client.get("/simulator/callbacks").json["callbacks"]
    assert [entry["attempt"] for entry in log] == [1, 2, 3]
    assert all(entry["status"] == 200 and entry["error"] is None for entry in log)


def test_response_delay_delays_answer_but_not_the_push(
    client: FlaskClient, token: str, receiver: Receiver
) -> None:
    add_rule(client, response_delay_ms=400, callback_delay_ms=0)
    started = time.monotonic()
    response = push(client, token, stk_body(receiver.url))
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert 0.4 <= elapsed < 0.4 + WAIT_SECONDS
    # The push was accepted before the slow answer, so its callback still comes.
    callback = receiver.wait_for(1)[0]["Body"]["stkCallback"]
    assert callback["CheckoutRequestID"] == response.json["CheckoutRequestID"]


def test_push_answer_does_not_wait_for_callback(client: FlaskClient, token: str, receiver: Receiver) -> None:
    add_rule(client, callback_delay_ms=1000)
    started = time.monotonic()
    assert push(client, token, stk_body(receiver.url)).status_code == 200
    assert time.monotonic() - started < 0.5
    assert receiver.received() == []


def test_failed_delivery_is_logged_not_retried(client: FlaskClient, token: str) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}/cb"
    push(client, token, stk_body(dead_url))
    assert wait_until(lambda: bool(client.get("/simulator/callbacks").json["callbacks"]))
    time.sleep(0.2)
    log = client.get("/simulator/callbacks").json["callbacks"]
    assert len(log) == 1
    assert log[0]["url"] == dead_url
    assert log[0]["status"] is None
    assert "ConnectionError" in log[0]["error"]


def test_receiver_status_is_logged(client: FlaskClient, token: str, receiver: Receiver) -> None:
    receiver.status = 503
    push(client, token, stk_body(receiver.url))
    receiver.wait_for(1)
    assert wait_until(lambda: bool(client.get("/simulator/callbacks").json["callbacks"]))
    entry = client.get("/simulator/callbacks").json["callbacks"][0]
    assert entry["status"] == 503
    assert entry["body"] == receiver.received()[0]


def test_injected_delivery_function_gets_timeout() -> None:
    calls: list[tuple[str, dict[str, Any], float]] = []
    settings = SimulatorSettings(
        credentials={KEY: SECRET}, passkeys={SHORTCODE: PASSKEY}, default_callback_delay_ms=0
    )

    def deliver(url: str, body: dict[str, Any], timeout: float) -> int:
        calls.append((url, body, timeout))
        return 200

    app = create_app(settings, deliver=deliver)
    client = app.test_client()
    push(client, get_token(client), stk_body("https://gateway.example/cb"))
    assert wait_until(lambda: len(calls) == 1)
    assert calls[0][0] == "https://gateway.example/cb"
    assert calls[0][2] == 10
    assert calls[0][1]["Body"]["stkCallback"]["ResultCode"] == 0


def test_shutdown_cancels_pending_callbacks(
    app: Flask, client: FlaskClient, token: str, receiver: Receiver
) -> None:
    add_rule(client, callback_delay_ms=200)
    push(client, token, stk_body(receiver.url))
    get_state(app).shutdown()
    time.sleep(0.4)
    assert receiver.received() == []


# --- control API -------------------------------------------------------------------------------


def test_rules_crud(client: FlaskClient) -> None:
    stored = add_rule(client, result_code=1032)
    assert stored == {
        "msisdn": PHONE,
        "callback_delay_ms": SETTINGS.default_callback_delay_ms,
        "result_code": 1032,
        "drop_callback": False,
        "duplicate_callbacks": 0,
        "response_delay_ms": 0,
    }
    add_rule(client, msisdn=OTHER_PHONE, drop_callback=True)
    replaced = add_rule(client, result_code=1037)  # one rule per number
    listed = client.get("/simulator/rules").json["rules"]
    assert sorted(rule["msisdn"] for rule in listed) == [PHONE, OTHER_PHONE]
    assert next(rule for rule in listed if rule["msisdn"] == PHONE) == replaced
    assert client.delete(f"/simulator/rules/{OTHER_PHONE}").status_code == 200
    assert client.delete(f"/simulator/rules/{OTHER_PHONE}").status_code == 404
    assert client.delete("/simulator/rules").json == {"deleted": 1}
    assert client.get("/simulator/rules").json == {"rules": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"msisdn": "0708374149"}, "msisdn"),
        ({"msisdn": 254708374149}, "msisdn"),
        ({}, "msisdn"),
        ({"msisdn": PHONE, "result_code": "1032"}, "result_code"),
        ({"msisdn": PHONE, "result_code": -1}, "result_code"),
        ({"msisdn": PHONE, "callback_delay_ms": 1.5}, "callback_delay_ms"),
        ({"msisdn": PHONE, "drop_callback": "yes"}, "drop_callback"),
        ({"msisdn": PHONE, "duplicate_callbacks": -1}, "duplicate_callbacks"),
        ({"msisdn": PHONE, "duplicate_callbacks": True}, "duplicate_callbacks"),
        ({"msisdn": PHONE, "response_delay_ms": 10_000_000}, "response_delay_ms"),
        ({"msisdn": PHONE, "resultcode": 1}, "resultcode"),
        ([PHONE], "body"),
    ],
)
def test_rules_reject_bad_input(client: FlaskClient, body: Any, field: str) -> None:
    response = client.post("/simulator/rules", json=body)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert field in response.json["error"]
    assert client.get("/simulator/rules").json == {"rules": []}


def test_rules_reject_non_json(client: FlaskClient) -> None:
    response = client.post("/simulator/rules", data="msisdn=254708374149")
    assert response.status_code == 400
    assert response.json["field"] == "body"


def test_request_log(client: FlaskClient) -> None:
    token = get_token(client)
    push(client, token, stk_body())
    client.post(PUSH, json=stk_body(), headers=bearer("stale-token"))
    client.get("/simulator/rules")  # control calls are not Daraja requests
    entries = client.get("/simulator/requests").json["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/oauth/v1/generate", 200),
        ("POST", PUSH, 200),
        ("POST", PUSH, 404),
    ]
    assert entries[0]["body"] is None
    assert entries[1]["body"]["AccountReference"] == "INV-001"
    assert datetime.fromisoformat(entries[1]["time"]).tzinfo is not None
    text = json.dumps(entries)
    for secret in (token, "stale-token", SECRET, "Bearer", "Authorization"):
        assert secret not in text


def test_request_log_path_filter_and_clear(client: FlaskClient, token: str, receiver: Receiver) -> None:
    push(client, token, stk_body(receiver.url))
    client.post(PUSH, data="junk", headers={**bearer(token), "Content-Type": "text/plain"})
    receiver.wait_for(1)
    assert wait_until(lambda: bool(client.get("/simulator/callbacks").json["callbacks"]))
    pushes = client.get(f"/simulator/requests?path={PUSH}").json["requests"]
    assert [entry["status"] for entry in pushes] == [200, 400]
    assert pushes[1]["body"] is None
    assert client.get(f"/simulator/requests?path={QUERY}").json["requests"] == []
    assert client.delete("/simulator/requests").status_code == 200
    assert client.get("/simulator/requests").json["requests"] == []
    assert client.get("/simulator/callbacks").json["callbacks"] == []


def test_health(client: FlaskClient) -> None:
    response = client.get("/simulator/health")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


# --- isolation and concurrency -----------------------------------------------------------------


def test_apps_do_not_share_state() -> None:
    first, second = create_app(SETTINGS), create_app(SETTINGS)
    client_a, client_b = first.test_client(), second.test_client()
    token_a = get_token(client_a)
    client_a.post("/simulator/rules", json={"msisdn": PHONE, "result_code": 1})
    assert_daraja_error(push(client_b, token_a, stk_body()), 404, "404.001.03", "Invalid Access Token")
    assert client_b.get("/simulator/rules").json == {"rules": []}
    assert len(client_a.get("/simulator/requests").json["requests"]) == 1
    assert len(client_b.get("/simulator/requests").json["requests"]) == 1
    get_state(first).shutdown()
    get_state(second).shutdown()


def test_concurrent_pushes_get_unique_ids(app: Flask, token: str) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        response = push(app.test_client(), token, stk_body())
        with lock:
            ids.append(response.json["CheckoutRequestID"])

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert len(ids) == 20
    assert len(set(ids)) == 20
