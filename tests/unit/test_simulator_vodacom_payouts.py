"""Vodacom's B2C, B2B and reversal in the simulator, and its control listing of transactions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from local.simulator import create_app, get_state
from tests.unit.test_simulator_vodacom import (
    CODE,
    DRC,
    DRC_KEY,
    PHONE_DRC,
    PHONE_TZ,
    SETTINGS,
    TZN,
    add_rule,
    assert_code,
    bearer,
    c2b_body,
    pay,
    public_key,
    query,
    session_headers,
)

RECEIVER = "600100"


@pytest.fixture
def client() -> Iterator[FlaskClient]:
    app = create_app(SETTINGS)
    yield app.test_client()
    get_state(app).shutdown()


@pytest.fixture
def session(client: FlaskClient) -> dict[str, str]:
    return session_headers(client)


def b2c_body(**overrides: Any) -> dict[str, Any]:
    body = c2b_body(input_ThirdPartyConversationID="b2c-0001", **overrides)
    body["input_PaymentItemsDesc"] = body.pop("input_PurchasedItemsDesc")
    return body


def b2b_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "input_Amount": "5000",
        "input_Country": "TZN",
        "input_Currency": "TZS",
        "input_PrimaryPartyCode": CODE,
        "input_ReceiverPartyCode": RECEIVER,
        "input_PurchasedItemsDesc": "Supplies",
        "input_ThirdPartyConversationID": "b2b-0001",
        "input_TransactionReference": "INV77",
        **overrides,
    }
    return {key: value for key, value in body.items() if value is not None}


def send(client: FlaskClient, headers: dict[str, str], endpoint: str, body: dict[str, Any]) -> TestResponse:
    return client.post(f"{TZN}/{endpoint}/", json=body, headers=headers)


def reverse(
    client: FlaskClient, headers: dict[str, str], transaction_id: str, base: str = TZN, **overrides: str
) -> TestResponse:
    body = {
        "input_ReversalAmount": "1000",
        "input_Country": "TZN",
        "input_ServiceProviderCode": CODE,
        "input_ThirdPartyConversationID": "rev-0001",
        "input_TransactionID": transaction_id,
        **overrides,
    }
    return client.put(f"{base}/reversal/", json=body, headers=headers)


# --- B2C ---------------------------------------------------------------------------------------


def test_b2c_pays_a_customer_and_is_found_by_the_status_query(
    client: FlaskClient, session: dict[str, str]
) -> None:
    answer = send(client, session, "b2cPayment", b2c_body())
    assert_code(answer, 201, "INS-0")
    paid = answer.get_json()
    assert paid["output_ThirdPartyConversationID"] == "b2c-0001"
    queried = query(client, session, paid["output_TransactionID"]).get_json()
    assert queried["output_ResponseTransactionStatus"] == "Completed"
    assert queried["output_ConversationID"] == paid["output_ConversationID"]
    [record] = get_state(client.application).vodacom_transactions.all()
    assert (record.kind.value, record.counterparty) == ("b2c", PHONE_TZ)


def test_b2c_takes_payment_items_not_purchased_items(client: FlaskClient, session: dict[str, str]) -> None:
    body = c2b_body(input_ThirdPartyConversationID="b2c-0001")  # input_PurchasedItemsDesc only
    assert_code(send(client, session, "b2cPayment", body), 400, "INS-20")


@pytest.mark.parametrize(
    ("rule", "http_status", "code"),
    [
        ({"msisdn": PHONE_TZ, "result_code": 2051}, 400, "INS-2051"),
        ({"party": CODE, "result_code": 2006}, 422, "INS-2006"),  # the paying code's balance
    ],
)
def test_b2c_rules_by_recipient_then_paying_code(
    client: FlaskClient, session: dict[str, str], rule: dict[str, Any], http_status: int, code: str
) -> None:
    add_rule(client, **rule)
    assert_code(send(client, session, "b2cPayment", b2c_body()), http_status, code)
    assert query(client, session, "b2c-0001").get_json()["output_ResponseTransactionStatus"] == "Failed"


def test_b2c_checks_its_fields(client: FlaskClient, session: dict[str, str]) -> None:
    assert_code(
        send(client, session, "b2cPayment", b2c_body(input_CustomerMSISDN=PHONE_DRC)), 400, "INS-2051"
    )
    assert_code(send(client, session, "b2cPayment", b2c_body(input_Amount="1.5")), 400, "INS-15")


# --- B2B ---------------------------------------------------------------------------------------


def test_b2b_pays_another_business(client: FlaskClient, session: dict[str, str]) -> None:
    answer = send(client, session, "b2bPayment", b2b_body())
    assert_code(answer, 201, "INS-0")
    [record] = get_state(client.application).vodacom_transactions.all()
    assert (record.kind.value, record.service_provider_code, record.counterparty) == ("b2b", CODE, RECEIVER)
    assert query(client, session, "b2b-0001").get_json()["output_ResponseTransactionStatus"] == "Completed"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"input_PrimaryPartyCode": "12"}, "INS-13"),
        ({"input_ReceiverPartyCode": "12345678"}, "INS-2002"),
        ({"input_ReceiverPartyCode": None}, "INS-20"),
        ({"input_Country": "DRC"}, "INS-998"),
        ({"input_Currency": "KES"}, "INS-21"),
        ({"input_TransactionReference": ""}, "INS-20"),
    ],
)
def test_b2b_checks_its_fields(
    client: FlaskClient, session: dict[str, str], overrides: dict[str, Any], code: str
) -> None:
    assert_code(send(client, session, "b2bPayment", b2b_body(**overrides)), 400, code)


def test_a_b2b_rule_on_the_receiver_fails_it(client: FlaskClient, session: dict[str, str]) -> None:
    add_rule(client, party=RECEIVER, result_code=2002)
    assert_code(send(client, session, "b2bPayment", b2b_body()), 400, "INS-2002")


# --- reversal ----------------------------------------------------------------------------------


def test_a_payment_is_reversed_once(client: FlaskClient, session: dict[str, str]) -> None:
    paid = pay(client, session, c2b_body()).get_json()
    first = reverse(client, session, paid["output_TransactionID"])
    assert_code(first, 200, "INS-0", "Request processed successfully")
    reversal = first.get_json()
    assert reversal["output_TransactionID"] not in ("", paid["output_TransactionID"])
    assert reversal["output_ThirdPartyConversationID"] == "rev-0001"
    second = reverse(client, session, paid["output_TransactionID"], input_ThirdPartyConversationID="rev-2")
    assert_code(second, 409, "INS-10", "Duplicate Transaction")
    records = {
        record.third_party_conversation_id: record
        for record in get_state(client.application).vodacom_transactions.all()
    }
    assert records["tx-0001"].reversed
    assert records["rev-0001"].to_json()["status"] == "Completed"
    assert records["rev-2"].to_json()["status"] == "Failed"
    # A client that reads INS-10 as "outcome unknown" learns by querying that nothing was done.
    refused = query(client, session, "rev-2").get_json()
    assert (refused["output_ResponseTransactionStatus"], refused["output_OriginalTransactionID"]) == (
        "Failed",
        "",
    )
    queried = query(client, session, reversal["output_ConversationID"]).get_json()
    assert queried["output_ResponseTransactionStatus"] == "Completed"
    assert queried["output_OriginalTransactionID"] == reversal["output_TransactionID"]


def test_a_partial_reversal_is_taken_and_more_than_was_paid_is_not(
    client: FlaskClient, session: dict[str, str]
) -> None:
    transaction_id = pay(client, session, c2b_body()).get_json()["output_TransactionID"]
    assert_code(reverse(client, session, transaction_id, input_ReversalAmount="1001"), 400, "INS-15")
    assert_code(reverse(client, session, transaction_id, input_ReversalAmount="400"), 200, "INS-0")


def test_a_usd_payment_is_reversed_in_cents(client: FlaskClient) -> None:
    headers = session_headers(client, DRC_KEY, DRC)
    body = c2b_body(
        input_Country="DRC", input_Currency="USD", input_CustomerMSISDN=PHONE_DRC, input_Amount="10.50"
    )
    transaction_id = pay(client, headers, body, DRC).get_json()["output_TransactionID"]
    answer = reverse(client, headers, transaction_id, DRC, input_Country="DRC", input_ReversalAmount="10.50")
    assert_code(answer, 200, "INS-0")


@pytest.mark.parametrize(
    "case", ["unknown", "failed payment", "another code", "a reversal", "conversation id"]
)
def test_only_a_completed_payment_of_the_same_code_can_be_reversed(
    client: FlaskClient, session: dict[str, str], case: str
) -> None:
    if case == "failed payment":
        add_rule(client, msisdn=PHONE_TZ, result_code=5)
    paid = pay(client, session, c2b_body()).get_json()
    transaction_id = paid["output_TransactionID"]
    overrides: dict[str, str] = {}
    if case == "failed payment":  # its id was drawn, never reported, and moves no money back
        [record] = get_state(client.application).vodacom_transactions.all()
        transaction_id = record.transaction_id
    elif case == "unknown":
        transaction_id = "ZZZ0000000"
    elif case == "another code":
        overrides = {"input_ServiceProviderCode": "111111"}
    elif case == "a reversal":
        transaction_id = reverse(client, session, transaction_id).get_json()["output_TransactionID"]
        overrides = {"input_ThirdPartyConversationID": "rev-2"}
    elif case == "conversation id":
        transaction_id = paid["output_ConversationID"][:20]
    assert_code(
        reverse(client, session, transaction_id, **overrides), 400, "INS-18", "Invalid TransactionID Used"
    )


def test_a_rule_on_the_code_fails_the_reversal_and_leaves_the_payment(
    client: FlaskClient, session: dict[str, str]
) -> None:
    transaction_id = pay(client, session, c2b_body()).get_json()["output_TransactionID"]
    add_rule(client, party=CODE, result_code=2006)
    assert_code(reverse(client, session, transaction_id), 422, "INS-2006")
    client.delete(f"/simulator/rules/{CODE}")
    assert_code(
        reverse(client, session, transaction_id, input_ThirdPartyConversationID="rev-2"), 200, "INS-0"
    )


def test_reversal_checks_its_fields_and_session(client: FlaskClient, session: dict[str, str]) -> None:
    transaction_id = pay(client, session, c2b_body()).get_json()["output_TransactionID"]
    assert_code(reverse(client, session, transaction_id, input_ReversalAmount=""), 400, "INS-20")
    assert_code(reverse(client, session, transaction_id, input_ReversalAmount="1.5"), 400, "INS-15")
    assert_code(reverse(client, session, "T" * 21), 400, "INS-18")
    assert_code(reverse(client, session, transaction_id, input_Country="DRC"), 400, "INS-998")
    assert_code(reverse(client, bearer(public_key(client), "0" * 32), transaction_id), 401, "INS-991")
    assert not get_state(client.application).vodacom_transactions.find("tx-0001").reversed  # type: ignore[union-attr]


# --- control -----------------------------------------------------------------------------------


def test_the_control_api_lists_and_clears_vodacom_transactions(
    client: FlaskClient, session: dict[str, str]
) -> None:
    pay(client, session, c2b_body())
    listed = client.get("/simulator/vodacom/transactions").get_json()["transactions"]
    assert [(entry["kind"], entry["third_party_conversation_id"], entry["status"]) for entry in listed] == [
        ("c2b", "tx-0001", "Completed")
    ]
    assert client.delete("/simulator/vodacom/transactions").get_json() == {"deleted": 1}
    assert client.get("/simulator/vodacom/transactions").get_json() == {"transactions": []}
