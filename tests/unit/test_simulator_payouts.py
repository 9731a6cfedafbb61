"""Unit tests of the simulator's initiator APIs: B2C, B2B, reversal, transaction status, account
balance, the SecurityCredential certificate, and the party / timeout rules."""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import DEMO_SETTINGS, SimulatorSettings, create_app, get_state
from local.simulator.security import _self_signed_certificate, security_credential

NAIROBI = ZoneInfo("Africa/Nairobi")
KEY, SECRET = "payout-key", "payout-secret"
INITIATOR, PASSWORD = "testapi", "initiator-password"
OTHER_INITIATOR, OTHER_PASSWORD = "otherapi", "other-password"
SHORT_CODE, OTHER_SHORT_CODE, STK_SHORT_CODE = "600997", "600000", "174379"
PHONE, OTHER_PHONE = "254708374149", "254712345678"
RESULT_URL = "https://gateway.example.com/hooks/result/0f3a9c"
TIMEOUT_URL = "https://gateway.example.com/hooks/timeout/0f3a9c"
B2C_V1, B2C_V3 = "/mpesa/b2c/v1/paymentrequest", "/mpesa/b2c/v3/paymentrequest"
B2B = "/mpesa/b2b/v1/paymentrequest"
REVERSAL = "/mpesa/reversal/v1/request"
STATUS = "/mpesa/transactionstatus/v1/query"
BALANCE = "/mpesa/accountbalance/v1/query"
CONVERSATION_ID = re.compile(r"AG_(\d{8})_[0-9a-f]{20}")
ORIGINATOR_ID = re.compile(r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d{7}")
RECEIPT = re.compile(r"[A-Z][A-Z0-9]{9}")
PLACEHOLDER_ID = re.compile(r"[A-Z]{3}0{7}")
ACCEPTED = "Accept the service request successfully."
PROCESSED = "The service request is processed successfully."
OPENING_BALANCE = (
    "Working Account|KES|700000.00|700000.00|0.00|0.00"
    "&Float Account|KES|0.00|0.00|0.00|0.00"
    "&Utility Account|KES|228037.00|228037.00|0.00|0.00"
    "&Charges Paid Account|KES|-1540.00|-1540.00|0.00|0.00"
    "&Organization Settlement Account|KES|0.00|0.00|0.00|0.00"
)
WAIT_SECONDS = 5.0
QUIET_SECONDS = 0.3  # how long a test waits to be sure that nothing (more) is delivered
MISSING = object()
SETTINGS = SimulatorSettings(
    credentials={KEY: SECRET},
    passkeys=dict(DEMO_SETTINGS.passkeys),
    default_callback_delay_ms=0,
    callback_timeout_seconds=1,
    initiators={INITIATOR: PASSWORD, OTHER_INITIATOR: OTHER_PASSWORD},
)


# --- delivery recorder and helpers -------------------------------------------------------------


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class Deliveries:
    """Stands in for the HTTP POST of callbacks: records (url, body) in delivery order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, body: dict[str, Any], timeout_seconds: float) -> int:
        with self._lock:
            self._calls.append((url, body))
        return 200

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            return list(self._calls)

    def to(self, url: str) -> list[dict[str, Any]]:
        return [body for called, body in self.calls() if called == url]

    def wait_for(self, url: str, count: int = 1) -> list[dict[str, Any]]:
        assert wait_until(lambda: len(self.to(url)) >= count), f"{url}: {self.calls()}"
        return self.to(url)

    def result(self, conversation_id: str) -> dict[str, Any]:
        """The one Result delivered to RESULT_URL for this conversation."""

        def mine() -> list[dict[str, Any]]:
            return [
                body for body in self.to(RESULT_URL) if body["Result"]["ConversationID"] == conversation_id
            ]

        assert wait_until(lambda: bool(mine())), f"no result for {conversation_id}: {self.calls()}"
        return mine()[0]["Result"]


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
    response = client.get("/oauth/v1/generate?grant_type=client_credentials", auth=(KEY, SECRET))
    assert response.status_code == 200, response.json
    return response.json["access_token"]


@pytest.fixture
def credential(app: Flask) -> str:
    return security_credential(get_state(app).certificate_pem, PASSWORD)


def with_overrides(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for field, value in overrides.items():
        if value is MISSING:
            body.pop(field, None)
        else:
            body[field] = value
    return body


def b2c_body(credential: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "OriginatorConversationID": f"gw-{time.monotonic_ns()}",
        "InitiatorName": INITIATOR,
        "SecurityCredential": credential,
        "CommandID": "BusinessPayment",
        "Amount": 100,
        "PartyA": SHORT_CODE,
        "PartyB": PHONE,
        "Remarks": "Refund",
        "QueueTimeOutURL": TIMEOUT_URL,
        "ResultURL": RESULT_URL,
        "Occassion": "",
    }
    return with_overrides(body, overrides)


def b2b_body(credential: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "Initiator": INITIATOR,
        "SecurityCredential": credential,
        "CommandID": "BusinessPayBill",
        "SenderIdentifierType": "4",
        "RecieverIdentifierType": "4",
        "Amount": 1000,
        "PartyA": SHORT_CODE,
        "PartyB": OTHER_SHORT_CODE,
        "AccountReference": "INV-2024-001",
        "Requester": PHONE,
        "Remarks": "Supplier payment",
        "QueueTimeOutURL": TIMEOUT_URL,
        "ResultURL": RESULT_URL,
    }
    return with_overrides(body, overrides)


def reversal_body(credential: str, transaction_id: str = "QKA0000XYZ", **overrides: Any) -> dict[str, Any]:
    body = {
        "Initiator": INITIATOR,
        "SecurityCredential": credential,
        "CommandID": "TransactionReversal",
        "TransactionID": transaction_id,
        "Amount": 100,
        "ReceiverParty": SHORT_CODE,
        "RecieverIdentifierType": "11",
        "ResultURL": RESULT_URL,
        "QueueTimeOutURL": TIMEOUT_URL,
        "Remarks": "Wrong recipient",
        "Occasion": "",
    }
    return with_overrides(body, overrides)


def status_body(credential: str, transaction_id: str = "QKA0000XYZ", **overrides: Any) -> dict[str, Any]:
    body = {
        "Initiator": INITIATOR,
        "SecurityCredential": credential,
        "CommandID": "TransactionStatusQuery",
        "TransactionID": transaction_id,
        "PartyA": SHORT_CODE,
        "IdentifierType": "4",
        "ResultURL": RESULT_URL,
        "QueueTimeOutURL": TIMEOUT_URL,
        "Remarks": "Reconcile",
    }
    return with_overrides(body, overrides)


def balance_body(credential: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "Initiator": INITIATOR,
        "SecurityCredential": credential,
        "CommandID": "AccountBalance",
        "PartyA": SHORT_CODE,
        "IdentifierType": "4",
        "Remarks": "Daily balance",
        "QueueTimeOutURL": TIMEOUT_URL,
        "ResultURL": RESULT_URL,
    }
    return with_overrides(body, overrides)


# path, body builder and the field that names the initiator, for tests that cover every API
ENDPOINTS: dict[str, tuple[str, Callable[..., dict[str, Any]], str]] = {
    "b2c-v3": (B2C_V3, b2c_body, "InitiatorName"),
    "b2c-v1": (B2C_V1, b2c_body, "InitiatorName"),
    "b2b": (B2B, b2b_body, "Initiator"),
    "reversal": (REVERSAL, reversal_body, "Initiator"),
    "status": (STATUS, status_body, "Initiator"),
    "balance": (BALANCE, balance_body, "Initiator"),
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(client: FlaskClient, token: str, path: str, body: Any) -> Any:
    return client.post(path, json=body, headers=bearer(token))


def accept(client: FlaskClient, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Posts a request that must be accepted; answers Daraja's acceptance."""
    response = post(client, token, path, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def assert_daraja_error(response: Any, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"requestId", "errorCode", "errorMessage"}
    assert body["requestId"]
    assert (body["errorCode"], body["errorMessage"]) == (code, message)


def parameters(result: dict[str, Any]) -> dict[str, Any]:
    """ResultParameter as key -> value, whether Daraja sent a list or a single object."""
    raw = result["ResultParameters"]["ResultParameter"]
    items = raw if isinstance(raw, list) else [raw]
    return {entry["Key"]: entry["Value"] for entry in items}


def assert_failure(result: dict[str, Any], code: int | str, description: str) -> None:
    assert (result["ResultType"], result["ResultCode"], result["ResultDesc"]) == (0, code, description)
    assert "ResultParameters" not in result  # failures carry none
    assert PLACEHOLDER_ID.fullmatch(result["TransactionID"])
    assert "ReferenceData" in result


def add_rule(client: FlaskClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/simulator/rules", json=rule)
    assert response.status_code == 201, response.json
    return response.json


def pay_customer(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries, **overrides: Any
) -> dict[str, Any]:
    """A B2C payment that succeeds; answers its Result."""
    answer = accept(client, token, B2C_V3, b2c_body(credential, **overrides))
    result = deliveries.result(answer["ConversationID"])
    assert result["ResultCode"] == 0, result
    return result


def account_balance(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries, short_code: str = SHORT_CODE
) -> str:
    answer = accept(client, token, BALANCE, balance_body(credential, PartyA=short_code))
    return parameters(deliveries.result(answer["ConversationID"]))["AccountBalance"]


def stk_push_body(callback_url: str, amount: int) -> dict[str, Any]:
    timestamp = nairobi_timestamp()
    passkey = DEMO_SETTINGS.passkeys[STK_SHORT_CODE]
    return {
        "BusinessShortCode": STK_SHORT_CODE,
        "Password": base64.b64encode(f"{STK_SHORT_CODE}{passkey}{timestamp}".encode()).decode(),
        "Timestamp": timestamp,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": amount,
        "PartyA": PHONE,
        "PartyB": STK_SHORT_CODE,
        "PhoneNumber": PHONE,
        "CallBackURL": callback_url,
        "AccountReference": "INV-001",
        "TransactionDesc": "Payment",
    }


def nairobi_timestamp() -> str:
    return datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S")


# --- the certificate and SecurityCredential ----------------------------------------------------


def test_certificate_endpoint_serves_a_certificate_whose_key_makes_working_credentials(
    client: FlaskClient, app: Flask, token: str, deliveries: Deliveries
) -> None:
    response = client.get("/simulator/certificate")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    pem = response.get_data(as_text=True)
    assert pem == get_state(app).certificate_pem
    certificate = x509.load_pem_x509_certificate(pem.encode())
    common_name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert common_name == "Daraja Simulator"
    assert certificate.issuer == certificate.subject  # self-signed
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 2048
    public_key.verify(
        certificate.signature,
        certificate.tbs_certificate_bytes,
        padding.PKCS1v15(),
        certificate.signature_hash_algorithm or hashes.SHA256(),
    )
    assert certificate.not_valid_before_utc <= datetime.now(UTC) <= certificate.not_valid_after_utc
    # What a Daraja client does with Safaricom's certificate: PKCS#1 v1.5, then base64.
    made_here = base64.b64encode(public_key.encrypt(PASSWORD.encode(), padding.PKCS1v15())).decode()
    answer = accept(client, token, B2C_V3, b2c_body(made_here))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0


def test_a_credential_made_with_another_certificate_fails_with_2001(
    client: FlaskClient, token: str, deliveries: Deliveries
) -> None:
    foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign_pem = _self_signed_certificate(foreign_key).public_bytes(serialization.Encoding.PEM).decode()
    assert foreign_pem != get_state(client.application).certificate_pem
    answer = accept(client, token, B2C_V3, b2c_body(security_credential(foreign_pem, PASSWORD)))
    result = deliveries.result(answer["ConversationID"])
    assert_failure(result, 2001, "The initiator information is invalid.")


def test_simulators_in_one_process_share_its_key_pair() -> None:
    """Generating a key takes up to 200 ms; the in-process tests make a simulator per test."""
    first, second = create_app(SETTINGS), create_app(SETTINGS)
    try:
        assert get_state(first).certificate_pem == get_state(second).certificate_pem
    finally:
        get_state(first).shutdown()
        get_state(second).shutdown()


def test_demo_settings_have_the_sandbox_initiator() -> None:
    assert DEMO_SETTINGS.initiators == {"testapi": "demo-initiator-password"}
    assert SimulatorSettings(credentials={}, passkeys={}).initiators == {}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize(
    "bad",
    ["wrong-password", "other-initiators-password", "unknown-initiator", "not-base64", "short-ciphertext"],
)
def test_bad_security_credential_is_accepted_then_fails_with_2001(
    client: FlaskClient, app: Flask, token: str, deliveries: Deliveries, endpoint: str, bad: str
) -> None:
    path, build, initiator_field = ENDPOINTS[endpoint]
    pem = get_state(app).certificate_pem
    initiator, credential = {
        "wrong-password": (INITIATOR, security_credential(pem, "not-the-password")),
        "other-initiators-password": (INITIATOR, security_credential(pem, OTHER_PASSWORD)),
        "unknown-initiator": ("nobody", security_credential(pem, PASSWORD)),
        "not-base64": (INITIATOR, "this is not base64!"),
        "short-ciphertext": (INITIATOR, base64.b64encode(b"garbage").decode()),
    }[bad]
    balances_before = get_state(app).org_accounts.balances(SHORT_CODE)
    answer = accept(client, token, path, build(credential, **{initiator_field: initiator}))
    assert answer["ResponseCode"] == "0"  # Daraja accepts first and fails in the result
    result = deliveries.result(answer["ConversationID"])
    assert_failure(result, 2001, "The initiator information is invalid.")
    assert get_state(app).org_accounts.balances(SHORT_CODE) == balances_before
    assert get_state(app).receipts.all() == []


def test_other_initiator_with_its_own_password_succeeds(
    client: FlaskClient, app: Flask, token: str, deliveries: Deliveries
) -> None:
    credential = security_credential(get_state(app).certificate_pem, OTHER_PASSWORD)
    answer = accept(client, token, BALANCE, balance_body(credential, Initiator=OTHER_INITIATOR))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0


# --- common behaviour of every initiator API ---------------------------------------------------


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-token"}], ids=["no-token", "unknown-token"]
)
def test_token_required(client: FlaskClient, credential: str, endpoint: str, headers: dict[str, str]) -> None:
    path, build, _ = ENDPOINTS[endpoint]
    response = client.post(path, json=build(credential), headers=headers)
    assert_daraja_error(response, 404, "404.001.03", "Invalid Access Token")


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("payload", ["not json", "[1, 2]"])
def test_invalid_payload(client: FlaskClient, token: str, endpoint: str, payload: str) -> None:
    path = ENDPOINTS[endpoint][0]
    response = client.post(path, data=payload, headers=bearer(token), content_type="application/json")
    assert_daraja_error(response, 400, "400.002.05", "Invalid Request Payload")


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_acceptance_shape(client: FlaskClient, token: str, credential: str, endpoint: str) -> None:
    path, build, _ = ENDPOINTS[endpoint]
    body = build(credential)
    answer = accept(client, token, path, body)
    assert list(answer) == [
        "ConversationID",
        "OriginatorConversationID",
        "ResponseCode",
        "ResponseDescription",
    ]
    match = CONVERSATION_ID.fullmatch(answer["ConversationID"])
    assert match
    assert match.group(1) == datetime.now(NAIROBI).strftime("%Y%m%d")  # Nairobi date
    if path == B2C_V3:
        assert answer["OriginatorConversationID"] == body["OriginatorConversationID"]
    else:
        assert ORIGINATOR_ID.fullmatch(answer["OriginatorConversationID"])
    assert (answer["ResponseCode"], answer["ResponseDescription"]) == ("0", ACCEPTED)


@pytest.mark.parametrize("endpoint", ["b2b", "reversal", "status", "balance"])
def test_optional_originator_conversation_id_is_echoed_and_must_be_unique(
    client: FlaskClient, token: str, credential: str, endpoint: str
) -> None:
    path, build, _ = ENDPOINTS[endpoint]
    answer = accept(client, token, path, build(credential, OriginatorConversationID="mine-1"))
    assert answer["OriginatorConversationID"] == "mine-1"
    response = post(client, token, path, build(credential, OriginatorConversationID="mine-1"))
    assert_daraja_error(response, 500, "500.002.1001", "Duplicate OriginatorConversationID")


def test_results_are_logged_with_the_other_callbacks(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    answer = accept(client, token, BALANCE, balance_body(credential))
    deliveries.result(answer["ConversationID"])
    logged = client.get("/simulator/callbacks").json["callbacks"]
    assert [(entry["url"], entry["status"], entry["attempt"]) for entry in logged] == [(RESULT_URL, 200, 1)]
    assert logged[0]["body"]["Result"]["ConversationID"] == answer["ConversationID"]
    requests_logged = client.get("/simulator/requests", query_string={"path": BALANCE}).json["requests"]
    assert [entry["status"] for entry in requests_logged] == [200]


# --- B2C ---------------------------------------------------------------------------------------


def test_b2c_success_result(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    body = b2c_body(credential, Amount=250, CommandID="SalaryPayment")
    answer = accept(client, token, B2C_V3, body)
    result = deliveries.result(answer["ConversationID"])
    assert list(result) == [
        "ResultType",
        "ResultCode",
        "ResultDesc",
        "OriginatorConversationID",
        "ConversationID",
        "TransactionID",
        "ResultParameters",
        "ReferenceData",
    ]
    assert (result["ResultType"], result["ResultCode"], result["ResultDesc"]) == (0, 0, PROCESSED)
    assert result["OriginatorConversationID"] == body["OriginatorConversationID"]
    receipt = result["TransactionID"]
    assert RECEIPT.fullmatch(receipt)
    raw = result["ResultParameters"]["ResultParameter"]
    assert isinstance(raw, list)
    assert [entry["Key"] for entry in raw] == [
        "TransactionAmount",
        "TransactionReceipt",
        "ReceiverPartyPublicName",
        "TransactionCompletedDateTime",
        "B2CUtilityAccountAvailableFunds",
        "B2CWorkingAccountAvailableFunds",
        "B2CRecipientIsRegisteredCustomer",
        "B2CChargesPaidAccountAvailableFunds",
    ]
    values = parameters(result)
    assert values["TransactionAmount"] == 250
    assert values["TransactionReceipt"] == receipt
    assert values["ReceiverPartyPublicName"] == f"{PHONE} - JOHN DOE"
    completed = datetime.strptime(values["TransactionCompletedDateTime"], "%d.%m.%Y %H:%M:%S")
    assert abs(completed.replace(tzinfo=NAIROBI) - datetime.now(NAIROBI)) < timedelta(seconds=10)
    assert values["B2CUtilityAccountAvailableFunds"] == 228037.0 - 250
    assert values["B2CWorkingAccountAvailableFunds"] == 700000.0
    assert values["B2CRecipientIsRegisteredCustomer"] == "Y"
    assert values["B2CChargesPaidAccountAvailableFunds"] == 0.0
    # A single ReferenceItem comes as an object, not a list.
    assert result["ReferenceData"] == {"ReferenceItem": {"Key": "QueueTimeoutURL", "Value": TIMEOUT_URL}}
    assert deliveries.to(TIMEOUT_URL) == []
    stored = get_state(app).receipts.get(receipt)
    assert stored is not None
    assert (stored.amount, stored.reason_type) == (250, "Salary Payment via API")


def test_b2c_v1_generates_the_originator_conversation_id(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    answer = accept(client, token, B2C_V1, b2c_body(credential, OriginatorConversationID=MISSING))
    assert ORIGINATOR_ID.fullmatch(answer["OriginatorConversationID"])
    result = deliveries.result(answer["ConversationID"])
    assert result["OriginatorConversationID"] == answer["OriginatorConversationID"]
    assert result["ResultCode"] == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"Amount": 10},
        {"Amount": "150"},
        {"PartyA": 600997, "PartyB": 254708374149},
        {"PartyB": "254112345678"},
        {"CommandID": "PromotionPayment", "Occassion": "x" * 100},
        {"Occassion": MISSING},
        {"Occassion": None},
        {"Remarks": "r" * 100},
    ],
    ids=["minimum", "string-amount", "numbers", "2541", "promotion", "no-occasion", "null-occasion", "long"],
)
def test_b2c_accepts_valid_variants(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries, overrides: dict[str, Any]
) -> None:
    answer = accept(client, token, B2C_V3, b2c_body(credential, **overrides))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0


B2C_BAD_FIELDS = [
    ("OriginatorConversationID", MISSING),
    ("OriginatorConversationID", ""),
    ("InitiatorName", MISSING),
    ("InitiatorName", ""),
    ("SecurityCredential", MISSING),
    ("SecurityCredential", ""),
    ("SecurityCredential", 12345),
    ("CommandID", "BusinessPayBill"),
    ("Amount", 9),
    ("Amount", 0),
    ("Amount", 10.5),
    ("Amount", "ten"),
    ("Amount", MISSING),
    ("PartyA", "1234"),
    ("PartyA", "12345678"),
    ("PartyB", "0708374149"),
    ("PartyB", "254208374149"),
    ("Remarks", ""),
    ("Remarks", "r" * 101),
    ("QueueTimeOutURL", "not-a-url"),
    ("ResultURL", "ftp://gateway.example.com/result"),
    ("ResultURL", MISSING),
    ("Occassion", "o" * 101),
]


@pytest.mark.parametrize(("field", "value"), B2C_BAD_FIELDS)
def test_b2c_invalid_field(
    client: FlaskClient, app: Flask, token: str, credential: str, field: str, value: Any
) -> None:
    response = post(client, token, B2C_V3, b2c_body(credential, **{field: value}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert get_state(app).conversations.all() == []  # nothing was accepted


def test_b2c_v1_does_not_require_originator_conversation_id_but_checks_the_rest(
    client: FlaskClient, token: str, credential: str
) -> None:
    body = b2c_body(credential, OriginatorConversationID=MISSING, Amount=5)
    assert_daraja_error(post(client, token, B2C_V1, body), 400, "400.002.02", "Bad Request - Invalid Amount")


def test_b2c_duplicate_originator_conversation_id(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    body = b2c_body(credential, OriginatorConversationID="payout-42")
    first = accept(client, token, B2C_V3, body)
    response = post(client, token, B2C_V3, body)
    assert_daraja_error(response, 500, "500.002.1001", "Duplicate OriginatorConversationID")
    deliveries.result(first["ConversationID"])
    time.sleep(QUIET_SECONDS)
    assert len(deliveries.to(RESULT_URL)) == 1  # the repeat paid nothing
    assert get_state(app).org_accounts.balances(SHORT_CODE)["utility"] == (228037 - 100) * 100


def test_rejected_request_does_not_claim_its_originator_conversation_id(
    client: FlaskClient, token: str, credential: str
) -> None:
    bad = b2c_body(credential, OriginatorConversationID="payout-43", Amount=1)
    assert post(client, token, B2C_V3, bad).status_code == 400
    accept(client, token, B2C_V3, b2c_body(credential, OriginatorConversationID="payout-43"))


def test_b2c_insufficient_utility_balance(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    response = client.put(f"/simulator/accounts/{SHORT_CODE}", json={"utility": 50})
    assert response.status_code == 200
    assert response.json["utility"] == 50.0
    answer = accept(client, token, B2C_V3, b2c_body(credential, Amount=100))
    result = deliveries.result(answer["ConversationID"])
    assert_failure(result, 1, "The balance is insufficient for the transaction.")
    assert result["ReferenceData"] == {"ReferenceItem": {"Key": "QueueTimeoutURL", "Value": TIMEOUT_URL}}
    assert get_state(app).org_accounts.balances(SHORT_CODE)["utility"] == 5000  # untouched
    assert get_state(app).receipts.all() == []


# --- B2B ---------------------------------------------------------------------------------------


def test_b2b_success_result(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    answer = accept(client, token, B2B, b2b_body(credential, Amount=1000))
    result = deliveries.result(answer["ConversationID"])
    assert (result["ResultType"], result["ResultCode"], result["ResultDesc"]) == (0, 0, PROCESSED)
    assert RECEIPT.fullmatch(result["TransactionID"])
    raw = result["ResultParameters"]["ResultParameter"]
    assert isinstance(raw, list)
    values = parameters(result)
    assert list(values) == [
        "DebitAccountBalance",
        "Amount",
        "DebitPartyAffectedAccountBalance",
        "TransCompletedTime",
        "DebitPartyCharges",
        "ReceiverPartyPublicName",
        "Currency",
        "InitiatorAccountCurrentBalance",
    ]
    assert values["DebitAccountBalance"] == "Working Account|KES|699000.00|699000.00|0.00|0.00"
    assert values["DebitPartyAffectedAccountBalance"] == values["DebitAccountBalance"]
    assert values["Amount"] == 1000.0
    assert re.fullmatch(r"\d{14}", str(values["TransCompletedTime"]))
    assert abs(int(values["TransCompletedTime"]) - int(nairobi_timestamp())) < 100  # Nairobi, not UTC
    assert values["ReceiverPartyPublicName"] == f"{OTHER_SHORT_CODE} - Daraja Simulator Business"
    assert values["Currency"] == "KES"
    assert values["InitiatorAccountCurrentBalance"] == (
        "{Amount={CurrencyCode=KES, MinimumAmount=69900000, BasicAmount=699000.00}}"
    )
    # Two reference items: a list.
    assert result["ReferenceData"] == {
        "ReferenceItem": [
            {"Key": "BillReferenceNumber", "Value": "INV-2024-001"},
            {"Key": "QueueTimeoutURL", "Value": TIMEOUT_URL},
        ]
    }
    accounts = get_state(app).org_accounts
    assert accounts.balances(SHORT_CODE)["working"] == 69_900_000
    assert accounts.balances(OTHER_SHORT_CODE)["working"] == 70_100_000  # the receiver is credited


@pytest.mark.parametrize(
    "overrides",
    [
        {"CommandID": "BusinessBuyGoods", "RecieverIdentifierType": "2", "AccountReference": MISSING},
        {"CommandID": "MerchantToMerchantTransfer", "AccountReference": ""},
        {"SenderIdentifierType": 4, "RecieverIdentifierType": 4, "Amount": 1},
        {"AccountReference": "A" * 13, "Requester": MISSING},
        {"AccountReference": 12345},
    ],
    ids=["buy-goods", "m2m-empty-reference", "numeric-types", "long-reference", "numeric-reference"],
)
def test_b2b_accepts_valid_variants(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries, overrides: dict[str, Any]
) -> None:
    answer = accept(client, token, B2B, b2b_body(credential, **overrides))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Initiator", MISSING),
        ("SecurityCredential", None),
        ("CommandID", "BusinessPayment"),
        ("SenderIdentifierType", "2"),
        ("RecieverIdentifierType", "11"),
        ("RecieverIdentifierType", MISSING),
        ("Amount", 0),
        ("Amount", 1.5),
        ("PartyA", "6009"),
        ("PartyB", "12345678"),
        ("AccountReference", MISSING),
        ("AccountReference", ""),
        ("AccountReference", "   "),
        ("AccountReference", "A" * 14),
        ("Remarks", MISSING),
        ("QueueTimeOutURL", "gateway.example.com/timeout"),
        ("ResultURL", 42),
        ("Requester", "0708374149"),
        ("Occasion", "o" * 101),
    ],
)
def test_b2b_invalid_field(
    client: FlaskClient, app: Flask, token: str, credential: str, field: str, value: Any
) -> None:
    response = post(client, token, B2B, b2b_body(credential, **{field: value}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert get_state(app).conversations.all() == []


def test_b2b_insufficient_working_balance(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    assert client.put(f"/simulator/accounts/{SHORT_CODE}", json={"working": 999.99}).status_code == 200
    answer = accept(client, token, B2B, b2b_body(credential, Amount=1000))
    result = deliveries.result(answer["ConversationID"])
    assert_failure(result, 1, "The balance is insufficient for the transaction.")
    assert isinstance(result["ReferenceData"]["ReferenceItem"], list)


# --- reversal ----------------------------------------------------------------------------------


def test_reversal_of_a_b2c_payment_then_again(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    paid = pay_customer(client, token, credential, deliveries, Amount=300)
    receipt = paid["TransactionID"]
    accounts = get_state(app).org_accounts
    assert accounts.balances(SHORT_CODE)["utility"] == (228037 - 300) * 100

    first = accept(client, token, REVERSAL, reversal_body(credential, receipt, Amount=300))
    result = deliveries.result(first["ConversationID"])
    assert (result["ResultType"], result["ResultCode"], result["ResultDesc"]) == (0, 0, PROCESSED)
    assert RECEIPT.fullmatch(result["TransactionID"])
    assert result["TransactionID"] != receipt  # the reversal is a transaction of its own
    # A single ResultParameter comes as an object, not a list of one.
    assert result["ResultParameters"] == {
        "ResultParameter": {"Key": "OriginalTransactionID", "Value": receipt}
    }
    assert result["ReferenceData"] == {"ReferenceItem": {"Key": "QueueTimeoutURL", "Value": TIMEOUT_URL}}
    assert accounts.balances(SHORT_CODE)["utility"] == 228037 * 100  # refunded

    again = accept(client, token, REVERSAL, reversal_body(credential, receipt, Amount=300))
    assert_failure(
        deliveries.result(again["ConversationID"]), "R000001", "The transaction has already been reversed"
    )
    assert accounts.balances(SHORT_CODE)["utility"] == 228037 * 100  # not refunded twice
    listed = client.get("/simulator/receipts").json["receipts"]
    assert [(entry["receipt"], entry["reversed"]) for entry in listed] == [(receipt, True)]


def test_reversal_of_an_unknown_transaction(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    answer = accept(client, token, REVERSAL, reversal_body(credential, "QKA0000XYZ"))
    result = deliveries.result(answer["ConversationID"])
    assert_failure(result, "R000002", "The OriginalTransactionID is invalid.")


def test_reversal_of_an_stk_payment(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    callback_url = "https://gateway.example.com/hooks/stk/0f3a9c"
    push = stk_push_body(callback_url, 5)
    assert post(client, token, "/mpesa/stkpush/v1/processrequest", push).status_code == 200
    items = deliveries.wait_for(callback_url)[0]["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    receipt = next(entry["Value"] for entry in items if entry["Name"] == "MpesaReceiptNumber")
    answer = accept(client, token, REVERSAL, reversal_body(credential, receipt, ReceiverParty=STK_SHORT_CODE))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0


def test_reversal_of_a_c2b_payment(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    confirmation_url = "https://gateway.example.com/hooks/c2b/confirm"
    register = {
        "ShortCode": OTHER_SHORT_CODE,
        "ResponseType": "Completed",
        "ConfirmationURL": confirmation_url,
        "ValidationURL": "https://gateway.example.com/hooks/c2b/validate",
    }
    assert post(client, token, "/mpesa/c2b/v2/registerurl", register).status_code == 200
    confirmation = {"short_code": OTHER_SHORT_CODE, "msisdn": PHONE, "amount": 70, "bill_ref_number": "A1"}
    response = client.post("/simulator/c2b/confirmations", json=confirmation)
    assert response.status_code == 202
    deliveries.wait_for(confirmation_url)
    body = reversal_body(credential, response.json["trans_id"], ReceiverParty=OTHER_SHORT_CODE, Amount=70)
    answer = accept(client, token, REVERSAL, body)
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Initiator", ""),
        ("SecurityCredential", MISSING),
        ("CommandID", "Reversal"),
        ("TransactionID", MISSING),
        ("TransactionID", ""),
        ("Amount", -5),
        ("ReceiverParty", "2547083741"),
        ("RecieverIdentifierType", "1"),
        ("ResultURL", ""),
        ("QueueTimeOutURL", MISSING),
        ("Remarks", 7),
        ("Occasion", "o" * 101),
    ],
)
def test_reversal_invalid_field(
    client: FlaskClient, app: Flask, token: str, credential: str, field: str, value: Any
) -> None:
    response = post(client, token, REVERSAL, reversal_body(credential, **{field: value}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert get_state(app).conversations.all() == []


def test_reversal_accepts_identifier_type_4(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    answer = accept(client, token, REVERSAL, reversal_body(credential, RecieverIdentifierType=4))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == "R000002"


# --- transaction status ------------------------------------------------------------------------


STATUS_KEYS = [
    "ReceiptNo",
    "Conversation ID",
    "FinalisedTime",
    "Amount",
    "TransactionStatus",
    "ReasonType",
    "TransactionReason",
    "DebitPartyCharges",
    "DebitAccountType",
    "InitiatedTime",
    "Originator Conversation ID",
    "CreditPartyName",
    "DebitPartyName",
]


def test_status_of_a_known_then_reversed_receipt(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    paid = pay_customer(client, token, credential, deliveries, Amount=120)
    receipt = paid["TransactionID"]
    answer = accept(client, token, STATUS, status_body(credential, receipt, Occasion="check-1"))
    result = deliveries.result(answer["ConversationID"])
    assert (result["ResultType"], result["ResultCode"], result["ResultDesc"]) == (0, 0, PROCESSED)
    assert RECEIPT.fullmatch(result["TransactionID"])
    assert result["TransactionID"] != receipt
    assert isinstance(result["ResultParameters"]["ResultParameter"], list)
    values = parameters(result)
    assert list(values) == STATUS_KEYS
    assert values["ReceiptNo"] == receipt
    assert values["Conversation ID"] == paid["ConversationID"]
    assert values["Originator Conversation ID"] == paid["OriginatorConversationID"]
    assert values["Amount"] == 120.0
    assert values["TransactionStatus"] == "Completed"
    assert values["ReasonType"] == "Business Payment to Individual via API"
    assert values["DebitAccountType"] == "Utility Account"
    assert values["CreditPartyName"] == f"{PHONE} - JOHN DOE"
    assert values["DebitPartyName"] == f"{SHORT_CODE} - Daraja Simulator Business"
    assert re.fullmatch(r"\d{14}", str(values["FinalisedTime"]))
    assert values["InitiatedTime"] == values["FinalisedTime"]
    assert result["ReferenceData"] == {"ReferenceItem": {"Key": "Occasion", "Value": "check-1"}}

    reversed_answer = accept(client, token, REVERSAL, reversal_body(credential, receipt))
    assert deliveries.result(reversed_answer["ConversationID"])["ResultCode"] == 0
    again = accept(client, token, STATUS, status_body(credential, receipt))
    later = deliveries.result(again["ConversationID"])
    assert parameters(later)["TransactionStatus"] == "Reversed"
    # An empty Occasion comes back as a reference item without a Value.
    assert later["ReferenceData"] == {"ReferenceItem": {"Key": "Occasion"}}


@pytest.mark.parametrize("use", ["OriginatorConversationID", "ConversationID"])
def test_status_by_original_conversation_id(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries, use: str
) -> None:
    paid = pay_customer(client, token, credential, deliveries)
    body = status_body(credential, TransactionID=MISSING, OriginalConversationID=paid[use])
    answer = accept(client, token, STATUS, body)
    assert parameters(deliveries.result(answer["ConversationID"]))["ReceiptNo"] == paid["TransactionID"]


def test_status_of_an_unknown_transaction(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    answer = accept(client, token, STATUS, status_body(credential, "QKA0000XYZ"))
    result = deliveries.result(answer["ConversationID"])
    assert_failure(result, "R000002", "The OriginalTransactionID is invalid.")


def test_status_for_a_customer_number_party(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    paid = pay_customer(client, token, credential, deliveries)
    body = status_body(credential, paid["TransactionID"], PartyA=PHONE, IdentifierType="1")
    answer = accept(client, token, STATUS, body)
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"Initiator": MISSING}, "Initiator"),
        ({"SecurityCredential": ""}, "SecurityCredential"),
        ({"CommandID": "TransactionStatus"}, "CommandID"),
        ({"TransactionID": MISSING}, "TransactionID"),
        ({"TransactionID": ""}, "TransactionID"),
        ({"TransactionID": 12345}, "TransactionID"),
        ({"TransactionID": MISSING, "OriginalConversationID": ["x"]}, "OriginalConversationID"),
        ({"PartyA": "12"}, "PartyA"),
        ({"PartyA": PHONE}, "PartyA"),  # a number with IdentifierType 4
        ({"IdentifierType": "1"}, "PartyA"),  # a short code with IdentifierType 1
        ({"IdentifierType": "3"}, "IdentifierType"),
        ({"ResultURL": "nope"}, "ResultURL"),
        ({"QueueTimeOutURL": MISSING}, "QueueTimeOutURL"),
        ({"Remarks": ""}, "Remarks"),
        ({"Occasion": "o" * 101}, "Occasion"),
    ],
)
def test_status_invalid_field(
    client: FlaskClient, app: Flask, token: str, credential: str, overrides: dict[str, Any], field: str
) -> None:
    response = post(client, token, STATUS, status_body(credential, **overrides))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert get_state(app).conversations.all() == []


# --- account balance ---------------------------------------------------------------------------


def test_account_balance_result(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    answer = accept(client, token, BALANCE, balance_body(credential))
    result = deliveries.result(answer["ConversationID"])
    assert (result["ResultType"], result["ResultCode"], result["ResultDesc"]) == (0, 0, PROCESSED)
    raw = result["ResultParameters"]["ResultParameter"]
    assert isinstance(raw, list)
    assert [entry["Key"] for entry in raw] == ["AccountBalance", "BOCompletedTime"]
    values = parameters(result)
    assert values["AccountBalance"] == OPENING_BALANCE
    assert isinstance(values["BOCompletedTime"], int)
    assert abs(values["BOCompletedTime"] - int(nairobi_timestamp())) < 100
    assert result["ReferenceData"] == {"ReferenceItem": {"Key": "QueueTimeoutURL", "Value": TIMEOUT_URL}}


def test_account_balance_falls_after_payouts(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    pay_customer(client, token, credential, deliveries, Amount=1000)
    answer = accept(client, token, B2B, b2b_body(credential, Amount=500))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0
    lines = account_balance(client, token, credential, deliveries).split("&")
    assert lines[0] == "Working Account|KES|699500.00|699500.00|0.00|0.00"
    assert lines[2] == "Utility Account|KES|227037.00|227037.00|0.00|0.00"
    assert account_balance(client, token, credential, deliveries, OTHER_SHORT_CODE).startswith(
        "Working Account|KES|700500.00|"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Initiator", 5),
        ("SecurityCredential", "s" * 5000),
        ("CommandID", "Balance"),
        ("PartyA", PHONE),
        ("IdentifierType", "1"),
        ("IdentifierType", MISSING),
        ("Remarks", "r" * 101),
        ("QueueTimeOutURL", "https://"),
        ("ResultURL", MISSING),
    ],
)
def test_account_balance_invalid_field(
    client: FlaskClient, app: Flask, token: str, credential: str, field: str, value: Any
) -> None:
    response = post(client, token, BALANCE, balance_body(credential, **{field: value}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert get_state(app).conversations.all() == []


# --- accounts control API ----------------------------------------------------------------------


def test_accounts_listing_and_setting(client: FlaskClient) -> None:
    assert client.get("/simulator/accounts").json == {"accounts": []}
    response = client.put(f"/simulator/accounts/{SHORT_CODE}", json={"utility": 12.5, "charges_paid": -3})
    assert response.status_code == 200
    expected = {
        "short_code": SHORT_CODE,
        "working": 700000.0,
        "float": 0.0,
        "utility": 12.5,
        "charges_paid": -3.0,
        "settlement": 0.0,
    }
    assert response.json == expected
    assert client.get("/simulator/accounts").json == {"accounts": [expected]}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"/simulator/accounts/{SHORT_CODE}", {"savings": 1}, "savings"),
        (f"/simulator/accounts/{SHORT_CODE}", {"utility": "10"}, "utility"),
        (f"/simulator/accounts/{SHORT_CODE}", {"utility": True}, "utility"),
        (f"/simulator/accounts/{SHORT_CODE}", {"utility": 1.005}, "utility"),
        (f"/simulator/accounts/{SHORT_CODE}", {"utility": 1e14}, "utility"),
        (f"/simulator/accounts/{SHORT_CODE}", {}, "body"),
        (f"/simulator/accounts/{SHORT_CODE}", [1], "body"),
        ("/simulator/accounts/12", {"utility": 1}, "short_code"),
    ],
)
def test_accounts_setting_rejects_bad_input(client: FlaskClient, path: str, body: Any, field: str) -> None:
    response = client.put(path, json=body)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert client.get("/simulator/accounts").json == {"accounts": []}


# --- rules -------------------------------------------------------------------------------------


def test_timeout_rule_sends_only_the_timeout_body_and_moves_no_money(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_rule(client, msisdn=PHONE, timeout=True)
    body = b2c_body(credential)
    answer = accept(client, token, B2C_V3, body)
    assert answer["ResponseCode"] == "0"
    [timeout] = deliveries.wait_for(TIMEOUT_URL)
    assert timeout == {
        "Result": {
            "ResultType": 1,
            "ResultCode": 1037,
            "ResultDesc": "The request timed out while waiting in the queue.",
            "OriginatorConversationID": body["OriginatorConversationID"],
            "ConversationID": answer["ConversationID"],
            "TransactionID": "",
        }
    }
    time.sleep(QUIET_SECONDS)
    assert deliveries.to(RESULT_URL) == []
    assert deliveries.to(TIMEOUT_URL) == [timeout]
    assert get_state(app).org_accounts.balances(SHORT_CODE)["utility"] == 228037 * 100
    assert get_state(app).receipts.all() == []


def test_result_and_timeout_rule_sends_the_timeout_then_the_result(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_rule(client, party=OTHER_SHORT_CODE, result_and_timeout=True)  # B2B PartyB
    answer = accept(client, token, B2B, b2b_body(credential))
    result = deliveries.result(answer["ConversationID"])
    [timeout] = deliveries.wait_for(TIMEOUT_URL)
    assert [url for url, _ in deliveries.calls()] == [TIMEOUT_URL, RESULT_URL]
    assert timeout["Result"]["ResultType"] == 1
    assert timeout["Result"]["ConversationID"] == result["ConversationID"]
    assert result["ResultCode"] == 0  # the money did move, whatever the timeout said
    assert get_state(app).receipts.get(result["TransactionID"]) is not None


def test_drop_rule_processes_the_request_but_sends_nothing(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_rule(client, msisdn=PHONE, drop_callback=True)
    body = b2c_body(credential, Amount=400)
    accept(client, token, B2C_V3, body)
    time.sleep(QUIET_SECONDS)
    assert deliveries.calls() == []
    assert get_state(app).org_accounts.balances(SHORT_CODE)["utility"] == (228037 - 400) * 100
    # The gateway's way out: a status query by its own OriginatorConversationID.
    query = status_body(
        credential, TransactionID=MISSING, OriginalConversationID=body["OriginatorConversationID"]
    )
    answer = accept(client, token, STATUS, query)
    assert parameters(deliveries.result(answer["ConversationID"]))["TransactionStatus"] == "Completed"


@pytest.mark.parametrize("code", [1, 1036, 2001, 17, 26])
def test_result_code_rule_fails_the_payout(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries, code: int
) -> None:
    add_rule(client, msisdn=PHONE, result_code=code)
    answer = accept(client, token, B2C_V3, b2c_body(credential))
    result = deliveries.result(answer["ConversationID"])
    assert result["ResultCode"] == code
    assert "ResultParameters" not in result
    assert result["ResultDesc"]
    assert get_state(app).org_accounts.balances(SHORT_CODE)["utility"] == 228037 * 100


def test_result_code_descriptions(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_rule(client, msisdn=PHONE, result_code=1036)
    answer = accept(client, token, B2C_V3, b2c_body(credential))
    assert_failure(deliveries.result(answer["ConversationID"]), 1036, "Insufficient B2C balance.")


def test_duplicate_and_delay_rules_on_a_party(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_rule(client, party=SHORT_CODE, duplicate_callbacks=2, callback_delay_ms=400)
    answer = accept(client, token, BALANCE, balance_body(credential))
    time.sleep(0.1)
    assert deliveries.calls() == []  # not before the delay
    copies = deliveries.wait_for(RESULT_URL, 3)
    assert len({copy["Result"]["ConversationID"] for copy in copies}) == 1
    assert copies[0]["Result"]["ConversationID"] == answer["ConversationID"]
    time.sleep(QUIET_SECONDS)
    assert len(deliveries.to(RESULT_URL)) == 3


def test_duplicates_apply_to_the_timeout_body_too(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_rule(client, party=SHORT_CODE, timeout=True, duplicate_callbacks=1)
    accept(client, token, STATUS, status_body(credential))
    deliveries.wait_for(TIMEOUT_URL, 2)
    time.sleep(QUIET_SECONDS)
    assert deliveries.to(RESULT_URL) == []


def test_recipient_rule_wins_over_the_paying_short_codes_rule(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    add_rule(client, party=SHORT_CODE, result_code=26)
    add_rule(client, msisdn=PHONE, result_code=1036)
    to_phone = accept(client, token, B2C_V3, b2c_body(credential))
    to_other = accept(client, token, B2C_V3, b2c_body(credential, PartyB=OTHER_PHONE))
    assert deliveries.result(to_phone["ConversationID"])["ResultCode"] == 1036
    assert deliveries.result(to_other["ConversationID"])["ResultCode"] == 26


def test_reversal_rule_targets_the_receiver_party(
    client: FlaskClient, token: str, credential: str, deliveries: Deliveries
) -> None:
    paid = pay_customer(client, token, credential, deliveries)
    add_rule(client, party=SHORT_CODE, result_code=26)
    answer = accept(client, token, REVERSAL, reversal_body(credential, paid["TransactionID"]))
    assert_failure(deliveries.result(answer["ConversationID"]), 26, "System busy.")
    # The failed reversal reversed nothing: a second attempt, without the rule, succeeds.
    assert client.delete(f"/simulator/rules/{SHORT_CODE}").status_code == 200
    again = accept(client, token, REVERSAL, reversal_body(credential, paid["TransactionID"]))
    assert deliveries.result(again["ConversationID"])["ResultCode"] == 0


def test_bad_credential_wins_over_rules(
    client: FlaskClient, token: str, app: Flask, deliveries: Deliveries
) -> None:
    add_rule(client, party=SHORT_CODE, result_code=26)
    credential = security_credential(get_state(app).certificate_pem, "wrong")
    answer = accept(client, token, BALANCE, balance_body(credential))
    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 2001


def test_party_rule_json_and_crud(client: FlaskClient) -> None:
    stored = add_rule(client, party=SHORT_CODE, timeout=True, callback_delay_ms=50)
    assert stored == {
        "party": SHORT_CODE,
        "callback_delay_ms": 50,
        "result_code": 0,
        "drop_callback": False,
        "duplicate_callbacks": 0,
        "response_delay_ms": 0,
        "timeout": True,
    }
    number_rule = add_rule(client, msisdn=PHONE, result_and_timeout=True)
    assert number_rule["msisdn"] == PHONE
    assert number_rule["result_and_timeout"] is True
    assert "party" not in number_rule
    assert "timeout" not in number_rule
    listed = client.get("/simulator/rules").json["rules"]
    assert listed == [stored, number_rule]
    missing = client.delete("/simulator/rules/600001")
    assert (missing.status_code, missing.json["field"]) == (404, "party")
    assert client.delete(f"/simulator/rules/{SHORT_CODE}").json == {"deleted": 1}
    assert client.get("/simulator/rules").json == {"rules": [number_rule]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"party": SHORT_CODE, "msisdn": PHONE}, "party"),
        ({"party": "1234"}, "party"),
        ({"party": 600997}, "party"),
        ({"party": PHONE}, "party"),
        ({"party": SHORT_CODE, "timeout": "yes"}, "timeout"),
        ({"msisdn": PHONE, "result_and_timeout": 1}, "result_and_timeout"),
        ({"party": SHORT_CODE, "timeout": True, "result_and_timeout": True}, "result_and_timeout"),
    ],
)
def test_party_rules_reject_bad_input(client: FlaskClient, body: dict[str, Any], field: str) -> None:
    response = client.post("/simulator/rules", json=body)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert client.get("/simulator/rules").json == {"rules": []}


def test_stk_ignores_timeout_flags(client: FlaskClient, token: str, deliveries: Deliveries) -> None:
    add_rule(client, msisdn=PHONE, timeout=True)
    callback_url = "https://gateway.example.com/hooks/stk/1"
    push = stk_push_body(callback_url, 1)
    assert post(client, token, "/mpesa/stkpush/v1/processrequest", push).status_code == 200
    [callback] = deliveries.wait_for(callback_url)
    assert callback["Body"]["stkCallback"]["ResultCode"] == 0
