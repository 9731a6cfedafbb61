"""Vodacom's asynchronous results in the simulator: opt-in per app, one per finished transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import create_app, get_state
from tests.unit.test_simulator_payouts import Deliveries, wait_until
from tests.unit.test_simulator_vodacom import (
    CODE,
    DRC,
    DRC_KEY,
    PHONE_TZ,
    SETTINGS,
    TZN,
    add_rule,
    assert_code,
    c2b_body,
    pay,
    session_headers,
)

RESULT_URL = "http://127.0.0.1:9/vodacom/results/demo-tz"
QUIET_SECONDS = 0.3  # three times the result delay: long enough to see that nothing comes


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
def session(client: FlaskClient) -> dict[str, str]:
    response = client.put("/simulator/vodacom/result-urls/demo-tz", json={"url": RESULT_URL})
    assert response.status_code == 200, response.get_json()
    return session_headers(client)


def test_a_paid_c2b_posts_its_result_to_the_apps_url(
    client: FlaskClient, session: dict[str, str], deliveries: Deliveries
) -> None:
    paid = pay(client, session, c2b_body()).get_json()
    [result] = deliveries.wait_for(RESULT_URL)
    assert result == {
        "input_OriginalConversationID": paid["output_ConversationID"],
        "input_TransactionID": paid["output_TransactionID"],
        "input_ResultCode": "INS-0",
        "input_ResultDesc": "Request processed successfully",
        "input_ThirdPartyConversationID": "tx-0001",
    }
    [logged] = client.get("/simulator/callbacks").get_json()["callbacks"]
    assert (logged["url"], logged["status"]) == (RESULT_URL, 200)


def test_a_declined_payment_posts_its_ins_code(
    client: FlaskClient, session: dict[str, str], deliveries: Deliveries
) -> None:
    add_rule(client, msisdn=PHONE_TZ, result_code=5)
    assert_code(pay(client, session, c2b_body()), 401, "INS-5")
    [result] = deliveries.wait_for(RESULT_URL)
    assert (result["input_ResultCode"], result["input_TransactionID"]) == ("INS-5", "")


def test_a_reversal_posts_its_result(
    client: FlaskClient, session: dict[str, str], deliveries: Deliveries
) -> None:
    transaction_id = pay(client, session, c2b_body()).get_json()["output_TransactionID"]
    body = {
        "input_ReversalAmount": "1000",
        "input_Country": "TZN",
        "input_ServiceProviderCode": CODE,
        "input_ThirdPartyConversationID": "rev-0001",
        "input_TransactionID": transaction_id,
    }
    reversal = client.put(f"{TZN}/reversal/", json=body, headers=session).get_json()
    results = deliveries.wait_for(RESULT_URL, 2)
    assert results[1]["input_OriginalConversationID"] == reversal["output_ConversationID"]
    assert results[1]["input_ThirdPartyConversationID"] == "rev-0001"


def test_rules_drop_or_copy_the_result(
    client: FlaskClient, session: dict[str, str], deliveries: Deliveries
) -> None:
    add_rule(client, msisdn=PHONE_TZ, duplicate_callbacks=2)
    pay(client, session, c2b_body())
    assert len(deliveries.wait_for(RESULT_URL, 3)) == 3
    add_rule(client, msisdn=PHONE_TZ, drop_callback=True)
    pay(client, session, c2b_body(input_ThirdPartyConversationID="tx-2"))
    assert not wait_until(lambda: len(deliveries.to(RESULT_URL)) > 3, QUIET_SECONDS)
    entries = client.get("/simulator/requests", query_string={"path": f"{TZN}/c2bPayment/singleStage/"})
    assert [entry["outcome"]["callback"] for entry in entries.get_json()["requests"]] == [
        "scheduled",
        "dropped",
    ]


def test_an_app_without_a_result_url_gets_none(client: FlaskClient, deliveries: Deliveries) -> None:
    client.put("/simulator/vodacom/result-urls/demo-tz", json={"url": RESULT_URL})
    headers = session_headers(client, DRC_KEY, DRC)  # demo-drc has no URL
    body = c2b_body(input_Country="DRC", input_Currency="USD", input_CustomerMSISDN="243812345678")
    assert_code(pay(client, headers, body, DRC), 201, "INS-0")
    assert not wait_until(lambda: bool(deliveries.calls()), QUIET_SECONDS)


def test_the_control_api_sets_lists_and_deletes_result_urls(client: FlaskClient) -> None:
    assert client.put("/simulator/vodacom/result-urls/demo-tz", json={"url": RESULT_URL}).status_code == 200
    assert client.get("/simulator/vodacom/result-urls").get_json() == {"result_urls": {"demo-tz": RESULT_URL}}
    bad = client.put("/simulator/vodacom/result-urls/demo-tz", json={"url": "ftp://x"})
    assert (bad.status_code, bad.get_json()["field"]) == (400, "url")
    unknown = client.put("/simulator/vodacom/result-urls/nobody", json={"url": RESULT_URL})
    assert (unknown.status_code, unknown.get_json()["field"]) == (404, "app")
    assert client.delete("/simulator/vodacom/result-urls/demo-tz").status_code == 200
    assert client.delete("/simulator/vodacom/result-urls/demo-tz").status_code == 404
    assert client.get("/simulator/vodacom/result-urls").get_json() == {"result_urls": {}}
