"""Fault injection on Vodacom's paths: INS- error answers, proxy pages, resets, slow answers."""

from __future__ import annotations

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
from tests.unit.test_simulator_vodacom import (
    C2B,
    SETTINGS,
    STATUS,
    TZN,
    assert_code,
    c2b_body,
    pay,
    query,
    session_headers,
)

C2B_PATH = f"{TZN}/{C2B}"


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app(SETTINGS)
    yield app
    get_state(app).shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(client: FlaskClient) -> dict[str, str]:
    return session_headers(client)


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app behind werkzeug's threaded server on a free loopback port, as `make dev` runs it."""
    httpd: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=lambda: httpd.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def add_fault(client: FlaskClient, **fault: Any) -> dict[str, Any]:
    response = client.post("/simulator/faults", json=fault)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def refused(client: FlaskClient, **fault: Any) -> dict[str, Any]:
    response = client.post("/simulator/faults", json=fault)
    assert response.status_code == 400, response.get_json()
    return response.get_json()


def transactions(client: FlaskClient) -> list[dict[str, Any]]:
    return client.get("/simulator/vodacom/transactions").get_json()["transactions"]


def test_an_ins_error_before_processing_answers_vodacoms_error_and_takes_nothing(
    client: FlaskClient, session: dict[str, str]
) -> None:
    listed = add_fault(client, path=C2B_PATH, fault="ins_error", error_code="INS-16", count=1)
    assert listed == {
        "id": 1,
        "path": C2B_PATH,
        "fault": "ins_error",
        "processed": False,
        "count": 1,
        "error_code": "INS-16",
        "error_message": "Unable to handle the request due to a temporary overloading",
        "http_status": 503,
        "fired": 0,
    }
    assert_code(pay(client, session, c2b_body()), 503, "INS-16")
    assert transactions(client) == []
    assert_code(pay(client, session, c2b_body()), 201, "INS-0")  # the fault fired once
    [entry, _] = [
        e for e in client.get("/simulator/requests").get_json()["requests"] if e["path"] == C2B_PATH
    ]
    assert (entry["status"], entry["processed"], entry["fault"]) == (
        503,
        False,
        {"id": 1, "fault": "ins_error"},
    )


def test_an_ins_error_after_processing_hides_a_completed_payment_that_the_status_query_reveals(
    client: FlaskClient, session: dict[str, str]
) -> None:
    add_fault(client, path=C2B_PATH, fault="ins_error", error_code="INS-1", processed=True, count=1)
    assert_code(pay(client, session, c2b_body()), 500, "INS-1", "Internal Error")
    [record] = transactions(client)
    assert record["status"] == "Completed"
    assert query(client, session, "tx-0001").get_json()["output_ResponseTransactionStatus"] == "Completed"


def test_an_ins_error_takes_a_chosen_message_and_status(client: FlaskClient, session: dict[str, str]) -> None:
    add_fault(
        client,
        path=C2B_PATH,
        fault="ins_error",
        error_code="INS-9",
        error_message="late",
        http_status=504,
        count=1,
    )
    answer = pay(client, session, c2b_body())
    assert (answer.status_code, answer.get_json()) == (
        504,
        {"output_ResponseCode": "INS-9", "output_ResponseDesc": "late"},
    )


def test_a_proxy_page_on_a_status_query(client: FlaskClient, session: dict[str, str]) -> None:
    add_fault(client, path=f"{TZN}/{STATUS}", fault="html_502", count=1)
    answer = query(client, session, "tx-0001")
    assert answer.status_code == 502
    assert "502 Bad Gateway" in answer.get_data(as_text=True)


def test_a_reset_after_processing_drops_the_answer_of_a_completed_payment(
    client: FlaskClient, session: dict[str, str], server: str
) -> None:
    add_fault(client, path=C2B_PATH, fault="reset", processed=True, count=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(server + C2B_PATH, json=c2b_body(), headers=session, timeout=5)
    assert [record["status"] for record in transactions(client)] == ["Completed"]
    [entry] = [e for e in client.get("/simulator/requests").get_json()["requests"] if e["path"] == C2B_PATH]
    assert (entry["status"], entry["processed"]) == (None, True)


def test_a_reset_before_processing_takes_nothing(
    client: FlaskClient, session: dict[str, str], server: str
) -> None:
    add_fault(client, path=C2B_PATH, fault="reset", count=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(server + C2B_PATH, json=c2b_body(), headers=session, timeout=5)
    assert transactions(client) == []


def test_a_slow_answer_comes_late_after_the_payment_is_done(
    client: FlaskClient, session: dict[str, str]
) -> None:
    add_fault(client, path=C2B_PATH, fault="slow_answer", delay_ms=300, processed=True, count=1)
    started = time.monotonic()
    assert_code(pay(client, session, c2b_body()), 201, "INS-0")
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    ("fault", "field", "message"),
    [
        ({"path": C2B_PATH, "fault": "daraja_error", "error_code": "500.003.02"}, "path", "use ins_error"),
        ({"path": C2B_PATH, "fault": "invalid_token"}, "path", "use ins_error"),
        (
            {"path": "/mpesa/b2c/v3/paymentrequest", "fault": "ins_error", "error_code": "INS-1"},
            "path",
            "Vodacom",
        ),
        ({"path": C2B_PATH, "fault": "callback_before_answer"}, "path", "callback"),
        ({"path": C2B_PATH, "fault": "ins_error", "error_code": "500.003.02"}, "error_code", "INS-"),
        ({"path": C2B_PATH, "fault": "ins_error", "error_code": "INS-0"}, "error_code", "failure"),
        (
            {"path": C2B_PATH, "fault": "ins_error", "error_code": "INS-15", "processed": True},
            "processed",
            "before",
        ),
        ({"path": "/sandbox/ipg/v2/vodacomKEN/reversal/", "fault": "reset"}, "path", "serves"),
    ],
)
def test_faults_that_do_not_fit_a_vodacom_path_are_refused(
    client: FlaskClient, fault: dict[str, Any], field: str, message: str
) -> None:
    answer = refused(client, count=1, **fault)
    assert answer["field"] == field
    assert message in answer["error"]
