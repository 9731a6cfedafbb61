"""Vodacom's M-Pesa OpenAPI in the simulator: sessions, C2B single stage and queryTransactionStatus."""

from __future__ import annotations

import base64
import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from local.simulator import DEMO_SETTINGS, SimulatorSettings, create_app, get_state

TZ_KEY = DEMO_SETTINGS.vodacom_api_keys["demo-tz"]
DRC_KEY = DEMO_SETTINGS.vodacom_api_keys["demo-drc"]
TZN = "/sandbox/ipg/v2/vodacomTZN"
DRC = "/openapi/ipg/v2/vodacomDRC"
C2B = "c2bPayment/singleStage/"
STATUS = "queryTransactionStatus/"
PHONE_TZ = "255744553111"
PHONE_DRC = "243812345678"
CODE = "000000"
ACTIVATION_SECONDS = 30
LIFETIME_SECONDS = 3600
SETTINGS = SimulatorSettings(
    credentials={},
    passkeys={},
    default_callback_delay_ms=0,
    vodacom_api_keys=dict(DEMO_SETTINGS.vodacom_api_keys),
)


# Another portal's key, as a client configured with the wrong public key would use (1024 bits: fast).
FOREIGN_KEY = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Iterator[Flask]:
    app = create_app(SETTINGS, clock=clock)
    yield app
    get_state(app).shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def public_key(client: FlaskClient) -> rsa.RSAPublicKey:
    der = base64.b64decode(client.get("/simulator/vodacom/public-key").get_json()["public_key"])
    key = serialization.load_der_public_key(der)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def bearer(key: rsa.RSAPublicKey, secret: str) -> dict[str, str]:
    """The headers a Vodacom client sends: the encrypted secret, and an Origin."""
    token = base64.b64encode(key.encrypt(secret.encode(), padding.PKCS1v15())).decode()
    return {"Authorization": f"Bearer {token}", "Origin": "*"}


def get_session(client: FlaskClient, api_key: str = TZ_KEY, base: str = TZN) -> TestResponse:
    return client.get(f"{base}/getSession/", headers=bearer(public_key(client), api_key))


def session_headers(client: FlaskClient, api_key: str = TZ_KEY, base: str = TZN) -> dict[str, str]:
    """Headers of a new session (active at once: no activation delay in SETTINGS)."""
    answer = get_session(client, api_key, base)
    assert answer.status_code == 200, answer.get_json()
    return bearer(public_key(client), answer.get_json()["output_SessionID"])


@pytest.fixture
def session(client: FlaskClient) -> dict[str, str]:
    return session_headers(client)


def c2b_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "input_Amount": "1000",
        "input_Country": "TZN",
        "input_Currency": "TZS",
        "input_CustomerMSISDN": PHONE_TZ,
        "input_ServiceProviderCode": CODE,
        "input_ThirdPartyConversationID": "tx-0001",
        "input_TransactionReference": "T12344C",
        "input_PurchasedItemsDesc": "Order 42",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def drc_body(**overrides: Any) -> dict[str, Any]:
    return c2b_body(
        **{"input_Country": "DRC", "input_Currency": "USD", "input_CustomerMSISDN": PHONE_DRC, **overrides}
    )


def pay(client: FlaskClient, headers: dict[str, str], body: dict[str, Any], base: str = TZN) -> TestResponse:
    return client.post(f"{base}/{C2B}", json=body, headers=headers)


def query(
    client: FlaskClient, headers: dict[str, str], reference: str, base: str = TZN, **overrides: str
) -> TestResponse:
    params = {
        "input_QueryReference": reference,
        "input_ServiceProviderCode": CODE,
        "input_ThirdPartyConversationID": "query-0001",
        "input_Country": "TZN",
        **overrides,
    }
    return client.get(f"{base}/{STATUS}", query_string=params, headers=headers)


def assert_code(answer: TestResponse, http_status: int, code: str, description: str | None = None) -> None:
    body = answer.get_json()
    assert (answer.status_code, body["output_ResponseCode"]) == (http_status, code), body
    if description is not None:
        assert body["output_ResponseDesc"] == description


def add_rule(client: FlaskClient, **rule: Any) -> None:
    response = client.post("/simulator/rules", json=rule)
    assert response.status_code == 201, response.get_json()


# --- the public key and sessions ---------------------------------------------------------------


def test_the_public_key_is_base64_der_of_a_2048_bit_rsa_key_shared_by_simulators(
    client: FlaskClient,
) -> None:
    key = public_key(client)
    assert key.key_size == 2048
    other = create_app(SETTINGS)
    try:
        assert public_key(other.test_client()).public_numbers() == key.public_numbers()
    finally:
        get_state(other).shutdown()


def test_a_client_that_encrypts_with_the_served_key_gets_a_session_and_pays(client: FlaskClient) -> None:
    answer = get_session(client)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["output_ResponseCode"] == "INS-0"
    assert body["output_ResponseDesc"] == "Request processed successfully"
    session_id = body["output_SessionID"]
    assert len(session_id) == 32
    int(session_id, 16)  # hex
    paid = pay(client, bearer(public_key(client), session_id), c2b_body())
    assert_code(paid, 201, "INS-0", "Request processed successfully")
    assert paid.get_json()["output_ThirdPartyConversationID"] == "tx-0001"


def test_both_markets_and_both_environments_give_sessions(client: FlaskClient) -> None:
    for base in (TZN, DRC, "/openapi/ipg/v2/vodacomTZN", "/sandbox/ipg/v2/vodacomDRC"):
        assert get_session(client, DRC_KEY, base).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["wrong-api-key", "foreign-key", "not-base64", "no-bearer", "basic"],
)
def test_get_session_refuses_a_bad_api_key_with_ins_2(client: FlaskClient, authorization: str) -> None:
    key = public_key(client)
    headers = {
        "wrong-api-key": bearer(key, "not-a-configured-key"),
        "foreign-key": bearer(FOREIGN_KEY, TZ_KEY),
        "not-base64": {"Authorization": "Bearer !!!", "Origin": "*"},
        "no-bearer": {"Origin": "*"},
        "basic": {"Authorization": "Basic " + bearer(key, TZ_KEY)["Authorization"][7:], "Origin": "*"},
    }[authorization]
    answer = client.get(f"{TZN}/getSession/", headers=headers)
    assert_code(answer, 401, "INS-2", "Invalid API Key")
    assert "output_SessionID" not in answer.get_json()


def test_a_request_without_origin_is_refused(client: FlaskClient) -> None:
    headers = bearer(public_key(client), TZ_KEY)
    del headers["Origin"]
    assert_code(client.get(f"{TZN}/getSession/", headers=headers), 400, "INS-21")


def test_payments_refuse_a_bearer_that_is_not_a_session(client: FlaskClient) -> None:
    key = public_key(client)
    # The API key itself is no session; a made-up id is unknown; garbage does not decrypt.
    assert_code(pay(client, bearer(key, TZ_KEY), c2b_body()), 401, "INS-991", "Session expired")
    assert_code(pay(client, bearer(key, "0" * 32), c2b_body()), 401, "INS-991")
    garbage = {"Authorization": "Bearer abc", "Origin": "*"}
    assert_code(pay(client, garbage, c2b_body()), 401, "INS-2")
    assert get_state(client.application).vodacom_transactions.all() == []


def test_a_session_is_refused_until_its_activation_delay_passes_then_until_its_lifetime_ends(
    clock: FakeClock,
) -> None:
    settings = dataclasses.replace(
        SETTINGS,
        vodacom_session_activation_seconds=ACTIVATION_SECONDS,
        vodacom_session_lifetime_seconds=LIFETIME_SECONDS,
    )
    app = create_app(settings, clock=clock)
    try:
        client = app.test_client()
        headers = bearer(public_key(client), get_session(client).get_json()["output_SessionID"])
        clock.advance(ACTIVATION_SECONDS - 0.001)
        answer = pay(client, headers, c2b_body())
        assert_code(answer, 401, "INS-989", "Session is not active")
        assert get_state(app).vodacom_transactions.all() == []  # refused before anything happened
        clock.advance(0.001)
        assert_code(pay(client, headers, c2b_body()), 201, "INS-0")
        clock.advance(LIFETIME_SECONDS - ACTIVATION_SECONDS)
        assert_code(pay(client, headers, c2b_body(input_ThirdPartyConversationID="tx-2")), 401, "INS-991")
    finally:
        get_state(app).shutdown()


def test_settings_refuse_a_lifetime_within_the_activation_delay() -> None:
    with pytest.raises(ValueError, match="lifetime"):
        dataclasses.replace(
            SETTINGS, vodacom_session_activation_seconds=10, vodacom_session_lifetime_seconds=10
        )
    with pytest.raises(ValueError, match="activation"):
        dataclasses.replace(SETTINGS, vodacom_session_activation_seconds=-1)


def test_demo_settings_hold_the_demo_apps_api_keys() -> None:
    assert DEMO_SETTINGS.vodacom_api_keys == {
        "demo-tz": "demo-tz-vodacom-api-key",
        "demo-drc": "demo-drc-vodacom-api-key",
    }
    assert DEMO_SETTINGS.vodacom_session_activation_seconds == 0
    assert DEMO_SETTINGS.vodacom_session_lifetime_seconds == LIFETIME_SECONDS


# --- C2B single stage --------------------------------------------------------------------------


def test_c2b_answers_201_with_its_ids_and_keeps_the_transaction(
    client: FlaskClient, session: dict[str, str]
) -> None:
    body = pay(client, session, c2b_body()).get_json()
    assert list(body) == [
        "output_ResponseCode",
        "output_ResponseDesc",
        "output_TransactionID",
        "output_ConversationID",
        "output_ThirdPartyConversationID",
    ]
    assert len(body["output_TransactionID"]) == 10
    assert len(body["output_ConversationID"]) == 32
    [record] = get_state(client.application).vodacom_transactions.all()
    assert record.to_json() == {
        "kind": "c2b",
        "market": "vodacomTZN",
        "transaction_id": body["output_TransactionID"],
        "conversation_id": body["output_ConversationID"],
        "third_party_conversation_id": "tx-0001",
        "service_provider_code": CODE,
        "amount": "1000",
        "currency": "TZS",
        "counterparty": PHONE_TZ,
        "status": "Completed",
        "code": "INS-0",
        "reversed": False,
    }


def test_drc_takes_usd_with_cents_and_cdf(client: FlaskClient) -> None:
    headers = session_headers(client, DRC_KEY, DRC)
    assert_code(pay(client, headers, drc_body(input_Amount="10.50"), DRC), 201, "INS-0")
    cdf = drc_body(input_Amount="2500", input_Currency="CDF", input_ThirdPartyConversationID="tx-2")
    assert_code(pay(client, headers, cdf, DRC), 201, "INS-0")


def test_a_reused_third_party_conversation_id_is_refused_with_ins_10(
    client: FlaskClient, session: dict[str, str]
) -> None:
    assert_code(pay(client, session, c2b_body()), 201, "INS-0")
    answer = pay(client, session, c2b_body(input_Amount="5"))
    assert_code(answer, 409, "INS-10", "Duplicate Transaction")
    assert answer.get_json()["output_ThirdPartyConversationID"] == "tx-0001"
    assert len(get_state(client.application).vodacom_transactions.all()) == 1


@pytest.mark.parametrize(
    ("overrides", "http_status", "code"),
    [
        ({"input_Amount": None}, 400, "INS-20"),
        ({"input_CustomerMSISDN": ""}, 400, "INS-20"),
        ({"input_PurchasedItemsDesc": None}, 400, "INS-20"),
        ({"input_Amount": 1000}, 400, "INS-15"),  # values are strings
        ({"input_Amount": "0"}, 400, "INS-15"),
        ({"input_Amount": "-5"}, 400, "INS-15"),
        ({"input_Amount": "10.50"}, 400, "INS-15"),  # TZS in whole shillings
        ({"input_Amount": "10.5.0"}, 400, "INS-15"),
        ({"input_Amount": "1e3"}, 400, "INS-15"),
        ({"input_Country": "DRC"}, 400, "INS-998"),
        ({"input_Currency": "USD"}, 400, "INS-21"),
        ({"input_CustomerMSISDN": PHONE_DRC}, 400, "INS-2051"),
        ({"input_CustomerMSISDN": "254708374149"}, 400, "INS-2051"),
        ({"input_CustomerMSISDN": "25574455311"}, 400, "INS-2051"),
        ({"input_CustomerMSISDN": "0744553111"}, 400, "INS-2051"),
        ({"input_ServiceProviderCode": "12ab56"}, 400, "INS-13"),
        ({"input_ThirdPartyConversationID": "x" * 65}, 400, "INS-19"),
        ({"input_TransactionReference": "R" * 21}, 400, "INS-17"),
        ({"input_PurchasedItemsDesc": "d" * 257}, 400, "INS-21"),
    ],
)
def test_c2b_field_and_market_checks(
    client: FlaskClient, session: dict[str, str], overrides: dict[str, Any], http_status: int, code: str
) -> None:
    assert_code(pay(client, session, c2b_body(**overrides)), http_status, code)
    assert get_state(client.application).vodacom_transactions.all() == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"input_Amount": "10.505"}, "INS-15"),  # cents at most
        ({"input_Currency": "TZS"}, "INS-21"),
        ({"input_CustomerMSISDN": PHONE_TZ}, "INS-2051"),
        ({"input_Country": "TZN"}, "INS-998"),
    ],
)
def test_drc_field_checks(client: FlaskClient, overrides: dict[str, Any], code: str) -> None:
    headers = session_headers(client, DRC_KEY, DRC)
    assert_code(pay(client, headers, drc_body(**overrides), DRC), 400, code)


def test_a_body_that_is_not_a_json_object_lacks_every_parameter(
    client: FlaskClient, session: dict[str, str]
) -> None:
    answer = client.post(f"{TZN}/{C2B}", data="input_Amount=1", headers=session)
    assert_code(answer, 400, "INS-20", "Not All Parameters Provided. Please try again.")


@pytest.mark.parametrize(
    ("result_code", "http_status", "code", "description", "status"),
    [
        (5, 401, "INS-5", "Transaction cancelled by customer", "Cancelled"),
        (9, 408, "INS-9", "Request timeout", "Expired"),
        (2006, 422, "INS-2006", "Insufficient balance", "Failed"),
        (6, 401, "INS-6", "Transaction Failed", "Failed"),
        (1032, 401, "INS-6", "Transaction Failed", "Failed"),  # no INS code of its own
    ],
)
def test_customer_rules_answer_their_ins_code_and_the_status_query_reports_it(
    client: FlaskClient,
    session: dict[str, str],
    result_code: int,
    http_status: int,
    code: str,
    description: str,
    status: str,
) -> None:
    add_rule(client, msisdn=PHONE_TZ, result_code=result_code, callback_delay_ms=0)
    answer = pay(client, session, c2b_body())
    assert_code(answer, http_status, code, description)
    body = answer.get_json()
    assert body["output_TransactionID"] == ""  # no money moved
    assert body["output_ThirdPartyConversationID"] == "tx-0001"
    for reference in ("tx-0001", body["output_ConversationID"]):
        queried = query(client, session, reference).get_json()
        assert queried["output_ResponseTransactionStatus"] == status
        assert queried["output_OriginalTransactionID"] == ""


def test_the_single_stage_call_answers_after_the_customers_delay(
    client: FlaskClient, session: dict[str, str]
) -> None:
    add_rule(client, msisdn=PHONE_TZ, callback_delay_ms=300)
    started = time.monotonic()
    assert_code(pay(client, session, c2b_body()), 201, "INS-0")
    assert time.monotonic() - started >= 0.3


def test_a_payment_is_pending_while_the_customer_has_not_acted(app: Flask, session: dict[str, str]) -> None:
    client = app.test_client()
    add_rule(client, msisdn=PHONE_TZ, callback_delay_ms=400)
    answers: list[TestResponse] = []
    worker = threading.Thread(target=lambda: answers.append(pay(app.test_client(), session, c2b_body())))
    worker.start()
    deadline = time.monotonic() + 2
    while not get_state(app).vodacom_transactions.all() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert query(client, session, "tx-0001").get_json()["output_ResponseTransactionStatus"] == "Pending"
    worker.join(timeout=5)
    assert answers[0].status_code == 201
    assert query(client, session, "tx-0001").get_json()["output_ResponseTransactionStatus"] == "Completed"


# --- queryTransactionStatus --------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["output_TransactionID", "output_ConversationID", "third_party"])
def test_the_status_query_finds_a_payment_by_each_reference(
    client: FlaskClient, session: dict[str, str], reference: str
) -> None:
    paid = pay(client, session, c2b_body()).get_json()
    answer = query(client, session, paid.get(reference, "tx-0001"))
    assert answer.status_code == 200
    assert answer.get_json() == {
        "output_ResponseCode": "INS-0",
        "output_ResponseDesc": "Request processed successfully",
        "output_ResponseTransactionStatus": "Completed",
        "output_ConversationID": paid["output_ConversationID"],
        "output_OriginalTransactionID": paid["output_TransactionID"],
        "output_ThirdPartyConversationID": "query-0001",
    }


def test_an_unknown_reference_or_another_codes_transaction_is_not_available(
    client: FlaskClient, session: dict[str, str]
) -> None:
    pay(client, session, c2b_body())
    for answer in (
        query(client, session, "never-sent"),
        query(client, session, "tx-0001", input_ServiceProviderCode="111111"),
    ):
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["output_ResponseTransactionStatus"] == "N/A"
        assert (body["output_ConversationID"], body["output_OriginalTransactionID"]) == ("", "")


def test_a_drc_payment_is_not_found_through_the_tanzanian_market(client: FlaskClient) -> None:
    headers = session_headers(client, DRC_KEY, DRC)
    pay(client, headers, drc_body(), DRC)
    answer = query(client, headers, "tx-0001")
    assert answer.get_json()["output_ResponseTransactionStatus"] == "N/A"
    found = query(client, headers, "tx-0001", DRC, input_Country="DRC")
    assert found.get_json()["output_ResponseTransactionStatus"] == "Completed"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"input_QueryReference": ""}, "INS-20"),
        ({"input_ThirdPartyConversationID": ""}, "INS-20"),
        ({"input_QueryReference": "r" * 65}, "INS-14"),
        ({"input_Country": "DRC"}, "INS-998"),
        ({"input_ServiceProviderCode": "abc"}, "INS-13"),
    ],
)
def test_status_query_field_checks(
    client: FlaskClient, session: dict[str, str], overrides: dict[str, str], code: str
) -> None:
    params = {key: value for key, value in overrides.items() if key != "input_QueryReference"}
    answer = query(client, session, overrides.get("input_QueryReference", "tx-0001"), **params)
    assert_code(answer, 400, code)


def test_the_status_query_needs_an_active_session(client: FlaskClient) -> None:
    assert_code(query(client, bearer(public_key(client), "f" * 32), "tx-0001"), 401, "INS-991")


# --- the request log ---------------------------------------------------------------------------


def test_the_request_log_counts_vodacom_calls_per_path_and_never_holds_secrets(
    client: FlaskClient, session: dict[str, str]
) -> None:
    pay(client, session, c2b_body())
    query(client, session, "tx-0001")
    entries = client.get("/simulator/requests").get_json()["requests"]
    paths = [entry["path"] for entry in entries]
    assert paths.count(f"{TZN}/getSession/") == 1
    assert paths.count(f"{TZN}/{C2B}") == 1
    assert paths.count(f"{TZN}/{STATUS}") == 1
    payment = next(entry for entry in entries if entry["path"] == f"{TZN}/{C2B}")
    assert payment["status"] == 201
    assert payment["body"]["input_ThirdPartyConversationID"] == "tx-0001"
    assert payment["outcome"]["result_code"] == "INS-0"
    session_entry = next(entry for entry in entries if entry["path"] == f"{TZN}/getSession/")
    assert session_entry["outcome"] == {"market": "vodacomTZN", "app": "demo-tz"}
    assert TZ_KEY not in str(entries)


def test_a_declined_payment_is_logged_as_processed_with_its_code(
    client: FlaskClient, session: dict[str, str]
) -> None:
    add_rule(client, msisdn=PHONE_TZ, result_code=5, callback_delay_ms=0)
    pay(client, session, c2b_body())
    pay(client, session, c2b_body())  # a duplicate: refused before anything happened
    entries = client.get("/simulator/requests", query_string={"path": f"{TZN}/{C2B}"}).get_json()["requests"]
    assert [(entry["status"], entry["processed"]) for entry in entries] == [(401, True), (409, False)]
    assert entries[0]["outcome"]["result_code"] == "INS-5"
    assert entries[1]["outcome"] is None
