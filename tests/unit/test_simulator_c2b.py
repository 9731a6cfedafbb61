"""Unit tests of the simulator's C2B URL registration (local.simulator.c2b) and its control API."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import SimulatorSettings, create_app, get_state
from local.simulator.c2b import registration_for

KEY, SECRET = "c2b-key", "c2b-secret"
SHORT_CODE = "600984"
OTHER_SHORT_CODE = "600997"
REGISTER = {"v1": "/mpesa/c2b/v1/registerurl", "v2": "/mpesa/c2b/v2/registerurl"}
REGISTRATIONS = "/simulator/c2b/registrations"
CONFIRMATION_URL = "https://gateway.example.com/callbacks/c2b/confirmation/0f3a9c"
VALIDATION_URL = "http://127.0.0.1:8080/callbacks/c2b/validation/0f3a9c"
ORIGINATOR_ID = re.compile(r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d{7}")
MISSING = object()
SETTINGS = SimulatorSettings(credentials={KEY: SECRET}, passkeys={})


# --- helpers and fixtures ----------------------------------------------------------------------


def register_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ShortCode": SHORT_CODE,
        "ResponseType": "Completed",
        "ConfirmationURL": CONFIRMATION_URL,
        "ValidationURL": VALIDATION_URL,
    }
    for field, value in overrides.items():
        if value is MISSING:
            body.pop(field)
        else:
            body[field] = value
    return body


def get_token(client: FlaskClient) -> str:
    response = client.get("/oauth/v1/generate?grant_type=client_credentials", auth=(KEY, SECRET))
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: FlaskClient, token: str, body: Any, version: str = "v2") -> Any:
    return client.post(REGISTER[version], json=body, headers=bearer(token))


def assert_daraja_error(response: Any, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"requestId", "errorCode", "errorMessage"}
    assert body["requestId"]
    assert (body["errorCode"], body["errorMessage"]) == (code, message)


def registrations(client: FlaskClient) -> list[dict[str, Any]]:
    response = client.get(REGISTRATIONS)
    assert response.status_code == 200
    return response.json["registrations"]


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


# --- registration ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_register_success(app: Flask, client: FlaskClient, token: str, version: str) -> None:
    before = datetime.now(UTC)
    response = register(client, token, register_body(ResponseType="Cancelled"), version)
    after = datetime.now(UTC)
    assert response.status_code == 200
    body = response.json
    assert list(body) == ["OriginatorCoversationID", "ResponseCode", "ResponseDescription"]  # sic
    assert ORIGINATOR_ID.fullmatch(body["OriginatorCoversationID"])
    assert (body["ResponseCode"], body["ResponseDescription"]) == ("0", "Success")

    [listed] = registrations(client)
    assert listed == {
        "short_code": SHORT_CODE,
        "version": version,
        "response_type": "Cancelled",
        "confirmation_url": CONFIRMATION_URL,
        "validation_url": VALIDATION_URL,
        "registered_at": listed["registered_at"],
    }
    registered_at = datetime.fromisoformat(listed["registered_at"])
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= registered_at <= after
    with app.app_context():
        stored = registration_for(SHORT_CODE)
    assert stored is not None
    assert stored.to_json() == listed


def test_originator_ids_differ(client: FlaskClient, token: str) -> None:
    first = register(client, token, register_body()).json["OriginatorCoversationID"]
    second = register(client, token, register_body(ShortCode=OTHER_SHORT_CODE)).json
    assert first != second["OriginatorCoversationID"]


@pytest.mark.parametrize("short_code", [600984, "60098", "6009841"], ids=["int", "5-digits", "7-digits"])
def test_register_accepts_short_code_variants(client: FlaskClient, token: str, short_code: Any) -> None:
    assert register(client, token, register_body(ShortCode=short_code)).status_code == 200
    assert [entry["short_code"] for entry in registrations(client)] == [str(short_code)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ShortCode", MISSING),
        ("ShortCode", "6009"),
        ("ShortCode", "60098412"),
        ("ShortCode", "60098a"),
        ("ShortCode", ""),
        ("ShortCode", None),
        ("ShortCode", True),
        ("ShortCode", "\uff16\uff10\uff10\uff19\uff18\uff14"),  # full-width digits
        ("ResponseType", MISSING),
        ("ResponseType", "completed"),
        ("ResponseType", "CANCELLED"),
        ("ResponseType", "Canceled"),
        ("ResponseType", ""),
        ("ResponseType", 0),
        ("ConfirmationURL", MISSING),
        ("ConfirmationURL", ""),
        ("ConfirmationURL", "gateway.example.com/confirm"),
        ("ConfirmationURL", "ftp://gateway.example.com/confirm"),
        ("ConfirmationURL", "https://"),
        ("ConfirmationURL", None),
        ("ValidationURL", MISSING),
        ("ValidationURL", "/callbacks/c2b/validation"),
        ("ValidationURL", "javascript:alert(1)"),
        ("ValidationURL", ["https://gateway.example.com/validate"]),
    ],
)
def test_register_invalid_field(client: FlaskClient, token: str, field: str, value: Any) -> None:
    response = register(client, token, register_body(**{field: value}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert registrations(client) == []


def test_register_reports_first_invalid_field(client: FlaskClient, token: str) -> None:
    body = register_body(ShortCode="1", ResponseType="x", ValidationURL="x")
    assert_daraja_error(register(client, token, body), 400, "400.002.02", "Bad Request - Invalid ShortCode")


@pytest.mark.parametrize("data", ["not json", "[]", '"text"'])
def test_register_invalid_payload(client: FlaskClient, token: str, data: str) -> None:
    response = client.post(
        REGISTER["v2"], data=data, headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert_daraja_error(response, 400, "400.002.05", "Invalid Request Payload")


@pytest.mark.parametrize(
    "url",
    [
        "https://gateway.example.com/M-PESA/confirm",
        "https://m-pesa.example.com/confirm",
        "https://mpesa.example.com/confirm",
        "https://gateway.example.com/callbacks/MPesa/confirm",
        "https://gateway.example.com/Safaricom/confirm",
        "https://SAFARICOM-hooks.example.com/confirm",
        "https://gateway.example.com/setup.EXE",
        "https://abc123.execute-api.af-south-1.amazonaws.com/prod/confirm",
        "https://gateway.example.com/Exec/confirm",
        "https://gateway.example.com/api/cmd/confirm",
        "https://gateway.example.com/c/xCmDx",
        "https://gateway.example.com/sql/confirm",
        "https://mySQL.example.com/confirm",
        "https://gateway.example.com/query",
        "https://gateway.example.com/confirm?Query=1",
        "https://gateway.example.com/confirm?x=1#QUERY",
    ],
)
@pytest.mark.parametrize("field", ["ConfirmationURL", "ValidationURL"])
def test_register_refuses_forbidden_words(client: FlaskClient, token: str, field: str, url: str) -> None:
    response = register(client, token, register_body(**{field: url}))
    assert_daraja_error(response, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert registrations(client) == []


# --- already registered ------------------------------------------------------------------------


def test_second_registration_is_refused_until_deleted(client: FlaskClient, token: str) -> None:
    assert register(client, token, register_body(), "v1").status_code == 200
    again = register(client, token, register_body(ValidationURL=CONFIRMATION_URL), "v2")
    assert_daraja_error(again, 500, "500.003.1001", "Urls are already registered")
    [kept] = registrations(client)
    assert (kept["version"], kept["validation_url"]) == ("v1", VALIDATION_URL)  # the first one stays

    assert register(client, token, register_body(ShortCode=OTHER_SHORT_CODE)).status_code == 200

    deleted = client.delete(f"{REGISTRATIONS}/{SHORT_CODE}")
    assert (deleted.status_code, deleted.json) == (200, {"deleted": 1})
    assert register(client, token, register_body(ValidationURL=CONFIRMATION_URL), "v2").status_code == 200
    assert {(entry["short_code"], entry["version"]) for entry in registrations(client)} == {
        (OTHER_SHORT_CODE, "v2"),
        (SHORT_CODE, "v2"),
    }


def test_concurrent_registrations_store_exactly_one(app: Flask, token: str) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def send(index: int) -> None:
        url = f"{CONFIRMATION_URL}/{index}"
        response = register(app.test_client(), token, register_body(ConfirmationURL=url))
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert sorted(statuses) == [200] + [500] * 15
    assert len(registrations(app.test_client())) == 1


# --- access token ------------------------------------------------------------------------------


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
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_register_requires_token(client: FlaskClient, headers: dict[str, str], version: str) -> None:
    response = client.post(REGISTER[version], json=register_body(), headers=headers)
    assert_daraja_error(response, 404, "404.001.03", "Invalid Access Token")
    assert registrations(client) == []


def test_register_refuses_replaced_token(client: FlaskClient) -> None:
    stale = get_token(client)
    fresh = get_token(client)  # a new token for the same consumer key kills the previous one
    assert_daraja_error(register(client, stale, register_body()), 404, "404.001.03", "Invalid Access Token")
    assert register(client, fresh, register_body()).status_code == 200


def test_token_is_checked_before_payload(client: FlaskClient) -> None:
    response = client.post(REGISTER["v2"], json={"ShortCode": "1"}, headers=bearer("bad"))
    assert_daraja_error(response, 404, "404.001.03", "Invalid Access Token")


# --- control API and request log ---------------------------------------------------------------


def test_control_listing_and_deletion(client: FlaskClient, token: str) -> None:
    assert registrations(client) == []
    register(client, token, register_body(), "v1")
    register(client, token, register_body(ShortCode=OTHER_SHORT_CODE, ResponseType="Cancelled"), "v2")
    listed = registrations(client)
    assert [(e["short_code"], e["version"], e["response_type"]) for e in listed] == [
        (SHORT_CODE, "v1", "Completed"),
        (OTHER_SHORT_CODE, "v2", "Cancelled"),
    ]
    assert all(
        set(entry)
        == {"short_code", "version", "response_type", "confirmation_url", "validation_url", "registered_at"}
        for entry in listed
    )

    missing = client.delete(f"{REGISTRATIONS}/123456")
    assert missing.status_code == 404
    assert missing.json["field"] == "short_code"
    assert client.delete(REGISTRATIONS).json == {"deleted": 2}
    assert registrations(client) == []
    assert client.delete(REGISTRATIONS).json == {"deleted": 0}
    assert client.delete(f"{REGISTRATIONS}/{SHORT_CODE}").status_code == 404


def test_c2b_requests_are_logged(client: FlaskClient, token: str) -> None:
    register(client, token, register_body(), "v1")
    register(client, token, register_body(), "v2")
    client.post(REGISTER["v2"], json=register_body(), headers=bearer("stale-token"))
    registrations(client)  # control calls are not Daraja requests
    entries = client.get("/simulator/requests").json["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/oauth/v1/generate", 200),
        ("POST", REGISTER["v1"], 200),
        ("POST", REGISTER["v2"], 500),
        ("POST", REGISTER["v2"], 404),
    ]
    assert entries[1]["body"] == register_body()
    v2_only = client.get(f"/simulator/requests?path={REGISTER['v2']}").json["requests"]
    assert [entry["status"] for entry in v2_only] == [500, 404]
    assert token not in str(entries)


def test_apps_do_not_share_registrations(token: str, client: FlaskClient) -> None:
    register(client, token, register_body())
    other = create_app(SETTINGS)
    other_client = other.test_client()
    assert registrations(other_client) == []
    assert register(other_client, get_token(other_client), register_body()).status_code == 200
    get_state(other).shutdown()
