"""The simulator's Pull Transactions (local.simulator.pull): registration, field checks, the 48-hour
window, paging by OffSetValue, and confirmations a rule dropped still listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import create_app, get_state
from local.simulator.clock import nairobi_now
from local.simulator.pull import DATE_FORMAT
from tests.unit.test_simulator_c2b import (
    MISSING,
    SETTINGS,
    SHORT_CODE,
    assert_daraja_error,
    bearer,
    get_token,
    register,
    register_body,
)

PULL_REGISTER = "/pulltransactions/v1/register"
PULL_QUERY = "/pulltransactions/v1/query"
CALLBACK_URL = "https://gateway.example.com/api/pay/demo-c2b/callback/confirmation?secret=s"
PAYER = "254708374149"


@pytest.fixture
def app() -> Iterator[Flask]:
    delivered: list[dict[str, Any]] = []
    app = create_app(SETTINGS, deliver=lambda url, body, timeout: delivered.append(body) or 200)
    app.config["delivered"] = delivered
    yield app
    get_state(app).shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(client: FlaskClient) -> str:
    return get_token(client)


def pull_register_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "ShortCode": SHORT_CODE,
        "RequestType": "Pull",
        "NominatedNumber": PAYER,
        "CallBackURL": CALLBACK_URL,
    }
    body.update(overrides)
    return {field: value for field, value in body.items() if value is not MISSING}


def window(hours: float = 1) -> dict[str, str]:
    now = nairobi_now()
    return {
        "StartDate": (now - timedelta(hours=hours)).strftime(DATE_FORMAT),
        "EndDate": (now + timedelta(minutes=1)).strftime(DATE_FORMAT),
    }


def query(client: FlaskClient, token: str, **overrides: Any) -> Any:
    body = {"ShortCode": SHORT_CODE, **window(), "OffSetValue": "0", **overrides}
    body = {field: value for field, value in body.items() if value is not MISSING}
    return client.post(PULL_QUERY, json=body, headers=bearer(token))


def pay(client: FlaskClient, amount: int = 100, *, drop: bool = False) -> str:
    """A confirmation for SHORT_CODE (no validation), dropped when asked: the receipt."""
    if drop:
        assert (
            client.post("/simulator/rules", json={"msisdn": PAYER, "drop_callback": True}).status_code == 201
        )
    answer = client.post(
        "/simulator/c2b/confirmations",
        json={"short_code": SHORT_CODE, "msisdn": PAYER, "amount": amount, "bill_ref_number": "INV-1"},
    )
    assert answer.status_code == 202, answer.json
    return answer.json["trans_id"]


def listed(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.json
    response = answer.json["Response"]
    return response[0] if response else []


def ready(client: FlaskClient, token: str) -> None:
    assert register(client, token, register_body()).status_code == 200
    assert client.post(PULL_REGISTER, json=pull_register_body(), headers=bearer(token)).status_code == 200


def test_registering_answers_like_daraja_and_a_repeat_is_already_registered(client, token):
    first = client.post(PULL_REGISTER, json=pull_register_body(), headers=bearer(token))
    again = client.post(PULL_REGISTER, json=pull_register_body(), headers=bearer(token))

    assert first.status_code == again.status_code == 200
    assert set(first.json) == {"ResponseRefID", "ResponseStatus", "ShortCode", "ResponseDescription"}
    assert (first.json["ResponseStatus"], first.json["ShortCode"]) == ("1000", SHORT_CODE)
    assert "already registered" in again.json["ResponseDescription"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ShortCode": "12"}, "ShortCode"),
        ({"RequestType": "Push"}, "RequestType"),
        ({"RequestType": MISSING}, "RequestType"),
        ({"NominatedNumber": "0708374149"}, "NominatedNumber"),
        ({"CallBackURL": "https://example.com/mpesa/pull"}, "CallBackURL"),
    ],
)
def test_a_bad_registration_is_refused_naming_the_field(client, token, overrides, field):
    answer = client.post(PULL_REGISTER, json=pull_register_body(**overrides), headers=bearer(token))

    assert_daraja_error(answer, 400, "400.002.02", f"Bad Request - Invalid {field}")


def test_a_query_needs_a_token(client):
    assert client.post(PULL_QUERY, json={}).status_code in (400, 401, 404)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ShortCode": "abc"}, "ShortCode"),
        ({"StartDate": "2026-03-15T08:00:00"}, "StartDate"),
        ({"EndDate": MISSING}, "EndDate"),
        ({"OffSetValue": "-1"}, "OffSetValue"),
        ({"StartDate": (nairobi_now() - timedelta(hours=49)).strftime(DATE_FORMAT)}, "StartDate"),
        ({"EndDate": (nairobi_now() - timedelta(hours=2)).strftime(DATE_FORMAT)}, "EndDate"),
    ],
)
def test_a_bad_query_is_refused_naming_the_field(client, token, overrides, field):
    ready(client, token)

    answer = query(client, token, **overrides)

    assert_daraja_error(answer, 400, "400.002.02", f"Bad Request - Invalid {field}")


def test_a_short_code_not_registered_for_pull_is_refused(client, token):
    answer = query(client, token)

    assert answer.status_code == 400
    assert "not registered for pull" in answer.json["errorMessage"]


def test_a_dropped_confirmation_is_listed_with_the_delivered_ones(app, client, token):
    ready(client, token)
    delivered = pay(client, 100)
    dropped = pay(client, 250, drop=True)

    found = listed(query(client, token))

    assert [item["transactionId"] for item in found] == [delivered, dropped]
    assert [body["TransID"] for body in app.config["delivered"]] == [delivered]  # the dropped one never went
    item = found[1]
    assert set(item) == {
        "transactionId", "trxDate", "msisdn", "sender", "transactiontype", "billreference", "amount",
        "organizationname",
    }  # fmt: skip
    assert (item["amount"], item["billreference"], item["msisdn"]) == ("250.00", "INV-1", PAYER)
    assert item["transactiontype"] == "c2b-pay-bill-debit"


def test_pages_follow_the_offset_and_end_empty(app, client, token):
    ready(client, token)
    receipts = [pay(client, amount) for amount in (10, 20, 30)]
    get_state(app).pull_page_size = 2

    pages = [listed(query(client, token, OffSetValue=str(offset))) for offset in (0, 2, 3)]

    assert [[item["transactionId"] for item in page] for page in pages] == [receipts[:2], receipts[2:], []]


def test_payments_outside_the_window_or_to_another_short_code_are_not_listed(client, token):
    ready(client, token)
    pay(client)
    past = nairobi_now() - timedelta(hours=3)

    earlier = query(
        client,
        token,
        StartDate=past.strftime(DATE_FORMAT),
        EndDate=(past + timedelta(hours=1)).strftime(DATE_FORMAT),
    )
    assert listed(earlier) == []
    client.post(PULL_REGISTER, json=pull_register_body(ShortCode="600997"), headers=bearer(token))
    assert listed(query(client, token, ShortCode="600997")) == []
