"""Fault injection in the Daraja simulator (/simulator/faults) and its record of what Daraja did."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from local.simulator import create_app, get_state
from local.simulator.faults import Fault, FaultBook, FaultKind
from local.simulator.security import security_credential
from tests.unit.test_simulator import PUSH, QUERY, query_body, stk_body
from tests.unit.test_simulator_payouts import (
    B2C_V3,
    KEY,
    PASSWORD,
    PHONE,
    QUIET_SECONDS,
    RESULT_URL,
    SECRET,
    SHORT_CODE,
    Deliveries,
    assert_daraja_error,
    b2c_body,
    bearer,
)
from tests.unit.test_simulator_payouts import SETTINGS as PAYOUT_SETTINGS

OAUTH = "/oauth/v1/generate"
CALLBACK_URL = "https://gateway.example.com/hooks/stk/0f3a9c"
# Long enough to tell a callback sent at once from one sent on schedule.
CALLBACK_DELAY_MS = 300
SETTINGS = dataclasses.replace(PAYOUT_SETTINGS, default_callback_delay_ms=CALLBACK_DELAY_MS)


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def deliveries() -> Deliveries:
    return Deliveries()


@pytest.fixture
def app(deliveries: Deliveries) -> Iterator[Flask]:
    app = create_app(SETTINGS, deliver=deliveries)
    yield app
    get_state(app).shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(client: FlaskClient) -> str:
    return get_token(client)


@pytest.fixture
def credential(app: Flask) -> str:
    return security_credential(get_state(app).certificate_pem, PASSWORD)


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app behind werkzeug's threaded server on a free loopback port, as `make dev` runs it."""
    httpd: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def get_token(client: FlaskClient) -> str:
    response = client.get(f"{OAUTH}?grant_type=client_credentials", auth=(KEY, SECRET))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["access_token"]


def add_fault(client: FlaskClient, **fault: Any) -> dict[str, Any]:
    response = client.post("/simulator/faults", json=fault)
    assert response.status_code == 201, response.json
    return response.json


def push(client: FlaskClient, token: str, **overrides: Any) -> Any:
    return client.post(PUSH, json=stk_body(CALLBACK_URL, **overrides), headers=bearer(token))


def pay(client: FlaskClient, token: str, credential: str, **overrides: Any) -> Any:
    return client.post(B2C_V3, json=b2c_body(credential, **overrides), headers=bearer(token))


def processed(client: FlaskClient) -> dict[str, Any]:
    return client.get("/simulator/processed").json


def logged(client: FlaskClient, path: str) -> list[dict[str, Any]]:
    return client.get("/simulator/requests", query_string={"path": path}).json["requests"]


def fired(client: FlaskClient) -> list[int]:
    return [fault["fired"] for fault in client.get("/simulator/faults").json["faults"]]


def utility_balance(client: FlaskClient) -> float:
    accounts = {entry["short_code"]: entry for entry in client.get("/simulator/accounts").json["accounts"]}
    return accounts[SHORT_CODE]["utility"] if SHORT_CODE in accounts else -1.0


class SlowReceiver(Deliveries):
    """A receiver that takes its time: a callback counts only once its answer is back."""

    def __call__(self, url: str, body: dict[str, Any], timeout_seconds: float) -> int:
        time.sleep(QUIET_SECONDS)
        return super().__call__(url, body, timeout_seconds)


@pytest.fixture
def slow_app() -> Iterator[tuple[Flask, SlowReceiver]]:
    receiver = SlowReceiver()
    app = create_app(SETTINGS, deliver=receiver)
    yield app, receiver
    get_state(app).shutdown()


def assert_nothing_delivered(deliveries: Deliveries) -> None:
    time.sleep(CALLBACK_DELAY_MS / 1000 + QUIET_SECONDS)
    assert deliveries.calls() == []


# --- the control API ---------------------------------------------------------------------------


def test_a_fault_is_answered_with_its_id_and_defaults(client: FlaskClient) -> None:
    fault = add_fault(client, path=PUSH, fault="daraja_error", error_code="500.003.02", count=2)
    assert fault == {
        "id": 1,
        "path": PUSH,
        "fault": "daraja_error",
        "processed": False,
        "count": 2,
        "error_code": "500.003.02",
        "error_message": "Spike arrest violation",
        "http_status": 500,
        "fired": 0,
    }
    assert add_fault(client, path=OAUTH, fault="html_504", rate=0.25) == {
        "id": 2,
        "path": OAUTH,
        "fault": "html_504",
        "processed": False,
        "rate": 0.25,
        "fired": 0,
    }


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("500.003.02", 500, "Spike arrest violation"),
        ("500.001.1001", 500, "Unable to lock subscriber, a transaction is already in process for the"),
        ("400.002.02", 400, "Bad Request - Invalid Request"),
        ("404.001.03", 404, "Invalid Access Token"),
        ("503.000.01", 503, "Simulated Daraja error"),  # an unknown code: the status is its head
    ],
)
def test_daraja_error_defaults_per_code(client: FlaskClient, code: str, status: int, message: str) -> None:
    fault = add_fault(client, path=PUSH, fault="daraja_error", error_code=code, count=1)
    assert fault["http_status"] == status
    assert fault["error_message"].startswith(message)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({"path": PUSH, "count": 1}, "fault"),
        ({"path": PUSH, "fault": "explode", "count": 1}, "fault"),
        ({"path": PUSH, "fault": "reset", "count": 1, "delay_ms": 5}, "delay_ms"),  # another kind's field
        ({"path": PUSH, "fault": "reset", "count": 1, "colour": "red"}, "colour"),
        ({"path": "/mpesa/nothing", "fault": "reset", "count": 1}, "path"),
        ({"path": "/simulator/rules", "fault": "reset", "count": 1}, "path"),
        ({"fault": "reset", "count": 1}, "path"),
        ({"path": PUSH, "fault": "reset"}, "count"),
        ({"path": PUSH, "fault": "reset", "count": 1, "rate": 0.5}, "count"),
        ({"path": PUSH, "fault": "reset", "count": 0}, "count"),
        ({"path": PUSH, "fault": "reset", "count": "2"}, "count"),
        ({"path": PUSH, "fault": "reset", "rate": 1.5}, "rate"),
        ({"path": PUSH, "fault": "reset", "rate": True}, "rate"),
        ({"path": PUSH, "fault": "reset", "count": 1, "processed": "yes"}, "processed"),
        ({"path": PUSH, "fault": "reset", "count": 1, "seed": "abc"}, "seed"),
        ({"path": PUSH, "fault": "daraja_error", "count": 1}, "error_code"),
        ({"path": PUSH, "fault": "daraja_error", "count": 1, "error_code": "oops"}, "error_code"),
        ({"path": PUSH, "fault": "daraja_error", "count": 1, "error_code": "200.001.01"}, "error_code"),
        (
            {
                "path": PUSH,
                "fault": "daraja_error",
                "count": 1,
                "error_code": "500.003.02",
                "error_message": "",
            },
            "error_message",
        ),
        (
            {
                "path": PUSH,
                "fault": "daraja_error",
                "count": 1,
                "error_code": "500.003.02",
                "http_status": 200,
            },
            "http_status",
        ),
        # Spike arrest and 4xx codes are answered before Daraja acts: they cannot follow processing.
        (
            {
                "path": PUSH,
                "fault": "daraja_error",
                "count": 1,
                "error_code": "500.003.02",
                "processed": True,
            },
            "processed",
        ),
        (
            {
                "path": PUSH,
                "fault": "daraja_error",
                "count": 1,
                "error_code": "400.002.02",
                "processed": True,
            },
            "processed",
        ),
        ({"path": PUSH, "fault": "invalid_token", "count": 1, "processed": True}, "processed"),
        ({"path": OAUTH, "fault": "invalid_token", "count": 1}, "path"),
        ({"path": PUSH, "fault": "slow_answer", "count": 1}, "delay_ms"),
        ({"path": PUSH, "fault": "slow_answer", "count": 1, "delay_ms": 0}, "delay_ms"),
        ({"path": PUSH, "fault": "slow_answer", "count": 1, "delay_ms": 10**9}, "delay_ms"),
        ({"path": QUERY, "fault": "callback_before_answer", "count": 1}, "path"),
        ({"path": OAUTH, "fault": "out_of_order", "count": 1}, "path"),
        ({"path": PUSH, "fault": "callback_before_answer", "count": 1, "processed": False}, "processed"),
        ({"path": PUSH, "fault": "out_of_order", "count": 1, "processed": False}, "processed"),
        ({"path": PUSH, "fault": "out_of_order", "count": 1, "copies": 1}, "copies"),
        ({"path": PUSH, "fault": "out_of_order", "count": 1, "jitter_ms": -1}, "jitter_ms"),
    ],
)
def test_bad_fault_is_refused_naming_the_field_and_adds_nothing(
    client: FlaskClient, body: Any, field: str
) -> None:
    response = client.post("/simulator/faults", json=body)
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    assert response.json["error"].startswith(f"{field}: ")
    assert client.get("/simulator/faults").json == {"faults": []}


def test_non_json_fault_is_refused(client: FlaskClient) -> None:
    response = client.post("/simulator/faults", data="path=x", content_type="text/plain")
    assert (response.status_code, response.json["field"]) == (400, "body")


def test_faults_are_listed_with_how_often_they_fired_and_cleared(client: FlaskClient) -> None:
    add_fault(client, path=OAUTH, fault="html_502", count=1)
    add_fault(client, path=PUSH, fault="reset", rate=0.1)
    client.get(f"{OAUTH}?grant_type=client_credentials", auth=(KEY, SECRET))
    listed = client.get("/simulator/faults").json["faults"]
    assert [(fault["id"], fault["path"], fault["fired"]) for fault in listed] == [(1, OAUTH, 1), (2, PUSH, 0)]
    assert client.delete("/simulator/faults").json == {"deleted": 2}
    assert client.get("/simulator/faults").json == {"faults": []}
    assert get_token(client)  # no fault left
    assert add_fault(client, path=OAUTH, fault="html_502", count=1)["id"] == 3  # ids are never reused


# --- count, rate, order, seed ------------------------------------------------------------------


def test_count_fires_on_the_next_n_matching_requests_only(client: FlaskClient) -> None:
    add_fault(client, path=OAUTH, fault="html_502", count=2)
    statuses = [
        client.get(f"{OAUTH}?grant_type=client_credentials", auth=(KEY, SECRET)).status_code for _ in range(4)
    ]
    assert statuses == [502, 502, 200, 200]
    assert fired(client) == [2]


def test_a_fault_only_matches_its_own_path(client: FlaskClient, token: str) -> None:
    add_fault(client, path=QUERY, fault="html_502", count=1)
    assert push(client, token).status_code == 200
    assert fired(client) == [0]


def test_first_added_fault_that_fires_wins(client: FlaskClient) -> None:
    add_fault(client, path=OAUTH, fault="html_502", count=1)
    add_fault(client, path=OAUTH, fault="html_504", count=1)
    add_fault(client, path=OAUTH, fault="html_502", rate=0.0)  # matches, never fires
    statuses = [
        client.get(f"{OAUTH}?grant_type=client_credentials", auth=(KEY, SECRET)).status_code for _ in range(3)
    ]
    assert statuses == [502, 504, 200]
    assert fired(client) == [1, 1, 0]


def rate_pattern(seed_in_settings: bool) -> list[int]:
    settings = dataclasses.replace(SETTINGS, fault_seed=42) if seed_in_settings else SETTINGS
    app = create_app(settings, deliver=Deliveries())
    client = app.test_client()
    fault: dict[str, Any] = {"path": OAUTH, "fault": "html_504", "rate": 0.5}
    add_fault(client, **(fault if seed_in_settings else {**fault, "seed": 42}))
    pattern = [
        client.get(f"{OAUTH}?grant_type=client_credentials", auth=(KEY, SECRET)).status_code
        for _ in range(40)
    ]
    get_state(app).shutdown()
    return pattern


def test_rate_fires_by_a_seeded_draw_reproducibly() -> None:
    from_post, from_settings = rate_pattern(seed_in_settings=False), rate_pattern(seed_in_settings=True)
    assert from_post == from_settings  # the same seed, given either way, replays the same run
    assert 10 < from_post.count(504) < 30
    assert set(from_post) == {200, 504}


def test_rate_one_always_fires_and_rate_zero_never(client: FlaskClient) -> None:
    add_fault(client, path=OAUTH, fault="html_502", rate=1)
    statuses = [
        client.get(f"{OAUTH}?grant_type=client_credentials", auth=(KEY, SECRET)).status_code for _ in range(5)
    ]
    assert statuses == [502] * 5
    client.delete("/simulator/faults")
    add_fault(client, path=OAUTH, fault="html_502", rate=0)
    assert get_token(client)


def test_spread_is_reproducible_from_the_seed() -> None:
    first, second = FaultBook(seed=7), FaultBook(seed=None)
    drawn = first.spread(6, 500)
    second.add(Fault(id=0, path=PUSH, kind=FaultKind.RESET, processed=False, count=1, rate=None), seed=7)
    assert second.spread(6, 500) == drawn  # a seed given with a fault resets the generator
    assert all(0 <= delay <= 500 for delay in drawn)


def test_count_holds_under_concurrent_requests(app: Flask) -> None:
    client = app.test_client()
    add_fault(client, path=OAUTH, fault="html_502", count=7)
    statuses: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        for _ in range(5):
            status = (
                app.test_client()
                .get(f"{OAUTH}?grant_type=client_credentials", auth=(KEY, SECRET))
                .status_code
            )
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(statuses) == 40
    assert statuses.count(502) == 7
    assert fired(client) == [7]


# --- each fault kind, not processed and processed ----------------------------------------------


def test_daraja_error_not_processed_answers_the_error_and_prompts_nobody(
    client: FlaskClient, token: str, deliveries: Deliveries
) -> None:
    fault = add_fault(client, path=PUSH, fault="daraja_error", error_code="500.003.02", count=1)
    assert_daraja_error(push(client, token), 500, "500.003.02", "Spike arrest violation")
    assert_nothing_delivered(deliveries)
    assert processed(client)["processed"] == []
    [entry] = logged(client, PUSH)
    assert (entry["status"], entry["processed"], entry["outcome"]) == (500, False, None)
    assert entry["fault"] == {"id": fault["id"], "fault": "daraja_error"}


def test_daraja_error_processed_prompts_the_customer_then_answers_the_error(
    client: FlaskClient, token: str, deliveries: Deliveries
) -> None:
    add_fault(
        client,
        path=PUSH,
        fault="daraja_error",
        error_code="500.001.1001",
        error_message="System is busy",
        http_status=503,
        count=1,
        processed=True,
    )
    assert_daraja_error(push(client, token), 503, "500.001.1001", "System is busy")
    [callback] = deliveries.wait_for(CALLBACK_URL)
    checkout_id = callback["Body"]["stkCallback"]["CheckoutRequestID"]
    [record] = processed(client)["processed"]
    assert (record["checkout_request_id"], record["answered"], record["result_code"]) == (checkout_id, 503, 0)
    assert record["fault"]["fault"] == "daraja_error"
    [entry] = logged(client, PUSH)
    assert (entry["status"], entry["processed"]) == (503, True)
    assert entry["outcome"]["checkout_request_id"] == checkout_id


def test_html_502_not_processed_sends_no_money(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    before = utility_balance(client)
    add_fault(client, path=B2C_V3, fault="html_502", count=1)
    response = pay(client, token, credential)
    assert response.status_code == 502
    assert response.mimetype == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in response.get_data(as_text=True)
    assert_nothing_delivered(deliveries)
    assert utility_balance(client) == before
    assert processed(client)["processed"] == []


def test_html_504_processed_sends_the_money_and_its_result(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_fault(client, path=B2C_V3, fault="html_504", count=1, processed=True)
    body = b2c_body(credential, Amount=150)
    response = client.post(B2C_V3, json=body, headers=bearer(token))
    assert (response.status_code, response.mimetype) == (504, "text/html")
    assert "504 Gateway Time-out" in response.get_data(as_text=True)
    [result] = deliveries.wait_for(RESULT_URL)
    assert result["Result"]["ResultCode"] == 0
    [record] = processed(client)["processed"]
    assert record["kind"] == "b2c"
    assert record["originator_conversation_id"] == body["OriginatorConversationID"]
    assert (record["amount"], record["party_b"], record["answered"]) == (150, PHONE, 504)
    assert record["transaction_id"] == result["Result"]["TransactionID"]
    # The same OriginatorConversationID again is Daraja's duplicate error: never paid twice.
    again = client.post(B2C_V3, json=body, headers=bearer(token))
    assert_daraja_error(again, 500, "500.002.1001", "Duplicate OriginatorConversationID")


def test_reset_not_processed_cuts_a_real_connection_and_prompts_nobody(
    client: FlaskClient, server: str, token: str, deliveries: Deliveries
) -> None:
    add_fault(client, path=PUSH, fault="reset", count=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{server}{PUSH}", json=stk_body(CALLBACK_URL), headers=bearer(token), timeout=5)
    assert_nothing_delivered(deliveries)
    [entry] = logged(client, PUSH)
    assert (entry["status"], entry["processed"], entry["fault"]["fault"]) == (None, False, "reset")
    # The server lives on: the next request is answered.
    answer = requests.post(f"{server}{PUSH}", json=stk_body(CALLBACK_URL), headers=bearer(token), timeout=5)
    assert answer.status_code == 200


def test_reset_processed_pays_then_cuts_a_real_connection(
    client: FlaskClient, server: str, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_fault(client, path=B2C_V3, fault="reset", count=1, processed=True)
    body = b2c_body(credential)
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{server}{B2C_V3}", json=body, headers=bearer(token), timeout=5)
    [result] = deliveries.wait_for(RESULT_URL)
    assert result["Result"]["ResultCode"] == 0
    [record] = processed(client)["processed"]
    assert (record["originator_conversation_id"], record["answered"]) == (
        body["OriginatorConversationID"],
        None,
    )


def test_reset_through_the_test_client_raises_connection_reset(client: FlaskClient, token: str) -> None:
    add_fault(client, path=PUSH, fault="reset", count=1)
    with pytest.raises(ConnectionResetError):
        push(client, token)
    assert logged(client, PUSH)[0]["status"] is None


@pytest.mark.parametrize("is_processed", [False, True])
def test_slow_answer(client: FlaskClient, token: str, deliveries: Deliveries, is_processed: bool) -> None:
    delay_ms = 2 * CALLBACK_DELAY_MS
    add_fault(client, path=PUSH, fault="slow_answer", delay_ms=delay_ms, count=1, processed=is_processed)
    started = time.monotonic()
    response = push(client, token)
    assert response.status_code == 200
    assert time.monotonic() - started >= delay_ms / 1000
    # Processed: the push went out at once, so its callback (300 ms) came while the answer was held.
    # Not processed: the request reached Daraja only after the delay; its callback is still to come.
    assert len(deliveries.to(CALLBACK_URL)) == (1 if is_processed else 0)
    [callback] = deliveries.wait_for(CALLBACK_URL)
    assert callback["Body"]["stkCallback"]["CheckoutRequestID"] == response.json["CheckoutRequestID"]
    assert processed(client)["processed"][0]["answered"] == 200


def test_invalid_token_answers_404_001_03_once_and_the_token_stays_good(
    client: FlaskClient, token: str, deliveries: Deliveries
) -> None:
    add_fault(client, path=PUSH, fault="invalid_token", count=1)
    assert_daraja_error(push(client, token), 404, "404.001.03", "Invalid Access Token")
    assert push(client, token).status_code == 200
    assert len(processed(client)["processed"]) == 1  # only the second push reached the phone
    assert [entry["processed"] for entry in logged(client, PUSH)] == [False, True]


def test_callback_before_answer_delivers_the_stk_callback_before_the_push_is_answered(
    slow_app: tuple[Flask, SlowReceiver],
) -> None:
    app, deliveries = slow_app
    client = app.test_client()
    token = get_token(client)
    add_fault(client, path=PUSH, fault="callback_before_answer", count=1)
    response = push(client, token)
    assert response.status_code == 200
    # No waiting: the callback was delivered, and its receiver answered, before this answer was sent.
    [callback] = deliveries.to(CALLBACK_URL)
    assert callback["Body"]["stkCallback"]["CheckoutRequestID"] == response.json["CheckoutRequestID"]
    assert callback["Body"]["stkCallback"]["ResultCode"] == 0
    [logged_callback] = client.get("/simulator/callbacks").json["callbacks"]
    assert (logged_callback["attempt"], logged_callback["status"]) == (1, 200)
    query = client.post(QUERY, json=query_body(response.json["CheckoutRequestID"]), headers=bearer(token))
    assert query.json["ResultCode"] == "0"  # settled already, as the callback said
    assert processed(client)["processed"][0]["callback"] == "before_answer"
    # The next push is back to normal: its callback is not there yet when it is answered.
    push(client, token)
    assert len(deliveries.to(CALLBACK_URL)) == 1


def test_callback_before_answer_delivers_a_payout_result_before_the_answer(
    slow_app: tuple[Flask, SlowReceiver],
) -> None:
    app, deliveries = slow_app
    client = app.test_client()
    credential = security_credential(get_state(app).certificate_pem, PASSWORD)
    token = get_token(client)
    add_fault(client, path=B2C_V3, fault="callback_before_answer", count=1)
    response = pay(client, token, credential)
    assert response.status_code == 200
    [result] = deliveries.to(RESULT_URL)
    assert result["Result"]["ConversationID"] == response.json["ConversationID"]


def test_out_of_order_delivers_several_copies_of_the_stk_callback(
    client: FlaskClient, token: str, deliveries: Deliveries
) -> None:
    add_fault(client, path=PUSH, fault="out_of_order", count=1, copies=3, jitter_ms=200, seed=3)
    response = push(client, token)
    copies = deliveries.wait_for(CALLBACK_URL, 3)
    assert all(copy == copies[0] for copy in copies)
    assert copies[0]["Body"]["stkCallback"]["CheckoutRequestID"] == response.json["CheckoutRequestID"]
    attempts = sorted(entry["attempt"] for entry in client.get("/simulator/callbacks").json["callbacks"])
    assert attempts == [1, 2, 3]
    assert processed(client)["processed"][0]["callback"] == "out_of_order"
    time.sleep(QUIET_SECONDS)
    assert len(deliveries.to(CALLBACK_URL)) == 3


def test_out_of_order_results_of_two_payouts_interleave(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    # Each copy has its own random delay: the copies of two payouts, sent one after the other, mix.
    add_fault(client, path=B2C_V3, fault="out_of_order", count=2, copies=4, jitter_ms=1000, seed=11)
    first = pay(client, token, credential).json["ConversationID"]
    second = pay(client, token, credential).json["ConversationID"]
    results = deliveries.wait_for(RESULT_URL, 8)
    order = [body["Result"]["ConversationID"] for body in results]
    assert sorted(order) == sorted([first] * 4 + [second] * 4)
    assert order != [first] * 4 + [second] * 4


# --- what Daraja did -----------------------------------------------------------------------------


def test_request_log_says_what_daraja_did_with_each_request(client: FlaskClient, token: str) -> None:
    response = push(client, token)
    [entry] = logged(client, PUSH)
    assert (entry["status"], entry["processed"], entry["fault"]) == (200, True, None)
    assert entry["outcome"] == {
        "checkout_request_id": response.json["CheckoutRequestID"],
        "merchant_request_id": response.json["MerchantRequestID"],
        "result_code": 0,
        "callback": "scheduled",
    }


def test_processed_summary_counts_prompts_and_payouts(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    client.post(
        "/simulator/rules", json={"msisdn": "254712345678", "result_code": 1032, "drop_callback": True}
    )
    add_fault(client, path=PUSH, fault="html_504", count=1, processed=True)
    assert push(client, token, AccountReference="ORDER-1", Amount=5).status_code == 504
    assert push(client, token, AccountReference="ORDER-1", Amount=5).status_code == 200  # the retry
    other = "254712345678"
    assert push(client, token, AccountReference="ORDER-2", PhoneNumber=other, PartyA=other).status_code == 200
    add_fault(client, path=B2C_V3, fault="daraja_error", error_code="500.003.02", count=1)
    assert pay(client, token, credential, Amount=100, Remarks="Salary A").status_code == 500  # not sent
    assert pay(client, token, credential, Amount=100, Remarks="Salary A").status_code == 200
    assert pay(client, token, credential, Amount=40, Remarks="Salary B").status_code == 200
    answer = processed(client)
    records = answer["processed"]
    assert [record["kind"] for record in records] == ["stk_push"] * 3 + ["b2c"] * 2
    assert records[2]["callback"] == "dropped"
    summary = answer["summary"]
    assert summary["by_kind"] == {
        "stk_push": {
            "processed": 3,
            "succeeded": 2,
            "succeeded_amount": 10,
            "by_result": {"0": 2, "1032": 1},
        },
        "b2c": {"processed": 2, "succeeded": 2, "succeeded_amount": 140, "by_result": {"0": 2}},
    }
    [twice] = summary["prompted_more_than_once"]
    assert (twice["account_reference"], twice["phone_number"], twice["amount"], twice["count"]) == (
        "ORDER-1",
        PHONE,
        5,
        2,
    )
    assert twice["checkout_request_ids"] == [
        records[0]["checkout_request_id"],
        records[1]["checkout_request_id"],
    ]
    assert summary["paid_more_than_once"] == []
    assert client.delete("/simulator/requests").status_code == 200
    assert processed(client) == {
        "processed": [],
        "summary": {"by_kind": {}, "prompted_more_than_once": [], "paid_more_than_once": []},
    }


def test_paid_more_than_once_lists_payouts_that_moved_money_twice(
    client: FlaskClient, token: str, credential: str
) -> None:
    for _ in range(2):  # two OriginatorConversationIDs for one intent: what a resending gateway does
        assert pay(client, token, credential, Amount=60, Remarks="Refund 7").status_code == 200
    [twice] = processed(client)["summary"]["paid_more_than_once"]
    assert (twice["kind"], twice["amount"], twice["remarks"], twice["count"]) == ("b2c", 60, "Refund 7", 2)
    assert len(set(twice["originator_conversation_ids"])) == 2
