"""Dynamic QR and SIM swap: who a QR code pays, how Daraja's swap dates are read, and the simulator's
endpoints (field checks, a real PNG, swap dates by rule and as tests set them)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import png
import pytest
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import SimulatorSettings, create_app, get_state
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.errors import DarajaRejected, DarajaTimeout, InvalidRequest
from mpesa_gateway.models import DarajaCredentials, Driver, LipaCommand, PaymentApp
from mpesa_gateway.qr.models import QrCodeRequest
from mpesa_gateway.qr.service import credit_party
from mpesa_gateway.simswap.models import NAIROBI, SimSwapQuery, swap_moment
from mpesa_gateway.simswap.service import SimSwapService
from tests.qr_images import qr_text

# --- who a QR code pays --------------------------------------------------------------------------


def payment_app(driver: Driver, short_code: str = "174379", **fields: Any) -> PaymentApp:
    return PaymentApp(
        app_id="shop",
        merchant_id="m",
        driver=driver,
        short_code=short_code,
        callback_secret_sha256="0",
        **fields,
    )


def request(trx_code: str, cpi: str | None = None) -> QrCodeRequest:
    return QrCodeRequest(merchant_name="Shop", reference="R1", amount=100, trx_code=trx_code, cpi=cpi)


PAYBILL_EXPRESS = payment_app(Driver.EXPRESS)
TILL_EXPRESS = payment_app(
    Driver.EXPRESS, stk_transaction_type=LipaCommand.BUY_GOODS, till_number="5123456", short_code="174379"
)
TILL_C2B = payment_app(Driver.C2B, short_code="600984", c2b_command=LipaCommand.BUY_GOODS)


@pytest.mark.parametrize(
    ("app", "trx_code", "cpi", "expected"),
    [
        (PAYBILL_EXPRESS, "PB", None, "174379"),  # the app's own paybill
        (TILL_EXPRESS, "BG", None, "5123456"),  # an Express till pays its till number, not its store number
        (TILL_C2B, "BG", None, "600984"),  # a C2B till is its short code
        (PAYBILL_EXPRESS, "BG", "373132", "373132"),  # another till, given
        (PAYBILL_EXPRESS, "WA", " 123456 ", "123456"),
        (PAYBILL_EXPRESS, "SM", "+254 712 345 678", "254712345678"),
        (PAYBILL_EXPRESS, "SB", "0112345678", "254112345678"),
    ],
)
def test_the_credit_party_by_trx_code(app: PaymentApp, trx_code: str, cpi: str | None, expected: str):
    assert credit_party(app, request(trx_code, cpi)) == expected


@pytest.mark.parametrize(
    ("app", "trx_code", "cpi", "words"),
    [
        (TILL_EXPRESS, "PB", None, "this app does not take Paybill payments"),
        (PAYBILL_EXPRESS, "BG", "  ", "this app does not take Buy Goods payments"),
        (PAYBILL_EXPRESS, "SM", None, "cpi is required for trx_code SM"),
        (PAYBILL_EXPRESS, "BG", "12345678", "5 to 7 digits"),
        (PAYBILL_EXPRESS, "PB", "17437x", "5 to 7 digits"),
        (PAYBILL_EXPRESS, "SM", "174379", "Kenyan mobile number"),
    ],
)
def test_a_credit_party_that_does_not_fit_its_trx_code_is_refused(
    app: PaymentApp, trx_code: str, cpi: str | None, words: str
):
    with pytest.raises(InvalidRequest) as refused:
        credit_party(app, request(trx_code, cpi))

    assert words in refused.value.message
    assert refused.value.details["field"] == "cpi"


# --- Daraja's swap dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("27-11-2026 14:05", datetime(2026, 11, 27, 14, 5, tzinfo=NAIROBI)),  # the Swap product's form
        ("01-05-2022", datetime(2022, 5, 1, tzinfo=NAIROBI)),  # the IMSI product's sample
        ("27-11-2026 14:05:09", datetime(2026, 11, 27, 14, 5, 9, tzinfo=NAIROBI)),
        ("01-01-1900 00:00", None),  # Daraja's "not swapped within 3 months"
        ("01-01-1900", None),
    ],
)
def test_swap_dates_as_daraja_writes_them(written: str, expected: datetime | None):
    assert swap_moment(written) == expected


@pytest.mark.parametrize("written", ["2026-11-27", "27/11/2026", "31-02-2026 10:00", "yesterday"])
def test_a_swap_date_daraja_does_not_write_is_refused(written: str):
    with pytest.raises(ValueError, match="not a date Daraja writes"):
        swap_moment(written)


class FakeDaraja:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def post(self, path: str, body: Any) -> dict[str, Any]:
        self.sent.append((path, body.as_json()))
        return self.answer


NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 12:00 in Nairobi


def checked(answer: dict[str, Any], within_days: int | None = None) -> tuple[Any, FakeDaraja]:
    daraja = FakeDaraja(answer)
    credentials = DarajaCredentials(consumer_key="k", consumer_secret="s", callback_secret="c")
    directory = AppDirectory(None, lambda _: credentials, lambda app, creds: daraja)  # type: ignore[arg-type]
    service = SimSwapService(directory, clock=lambda: NOW)
    return service.last_swap(
        payment_app(Driver.B2C), "0712345678", SimSwapQuery(within_days=within_days)
    ), daraja


def swap_answer(last_swap_date: str, **changes: Any) -> dict[str, Any]:
    return {"requestRefID": "4277-415525-1", "responseCode": "200", "responseDesc": "Success",
            "lastSwapDate": last_swap_date, **changes}  # fmt: skip


def test_a_swap_exactly_at_the_windows_start_is_within_it_and_a_minute_before_is_not():
    at_start, daraja = checked(swap_answer("23-11-2026 12:00"), within_days=7)
    before, _ = checked(swap_answer("23-11-2026 11:59"), within_days=7)

    assert (at_start.swapped_within, before.swapped_within) == (True, False)
    assert at_start.last_swap_at == NOW - timedelta(days=7)
    assert daraja.sent == [("/imsi/v2/checkATI", {"customerNumber": "254712345678"})]


def test_a_refusal_inside_a_successful_answer_is_darajas_refusal():
    with pytest.raises(DarajaRejected) as refused:
        checked({"requestRefID": "1", "responseCode": "401", "responseDesc": "Not a Safaricom number"})

    assert refused.value.details["daraja_code"] == "401"
    assert "Not a Safaricom number" in refused.value.message


def test_an_unreadable_swap_date_is_an_unknown_answer_not_a_crash():
    with pytest.raises(DarajaTimeout):
        checked(swap_answer("sometime in 2026"))


# --- the simulator -------------------------------------------------------------------------------

KEY, SECRET = "qr-key", "qr-secret"
SETTINGS = SimulatorSettings(credentials={KEY: SECRET}, passkeys={}, default_callback_delay_ms=0)
QR_BODY = {
    "MerchantName": "TEST SUPERMARKET",
    "RefNo": "Invoice Test",
    "Amount": 1,
    "TrxCode": "BG",
    "CPI": "373132",
    "Size": "300",
}  # fmt: skip  (Safaricom's sample request)


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app(SETTINGS)
    yield app
    get_state(app).shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def bearer(client: FlaskClient) -> dict[str, str]:
    answer = client.get("/oauth/v1/generate?grant_type=client_credentials", auth=(KEY, SECRET))
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def test_the_simulators_qr_code_is_a_png_of_about_the_size_asked_holding_the_payment(client, bearer):
    answer = client.post("/mpesa/qrcode/v1/generate", json=QR_BODY, headers=bearer)

    assert answer.status_code == 200
    assert answer.json["ResponseCode"] == "00"
    width, height, _, _ = png.Reader(bytes=base64.b64decode(answer.json["QRCode"])).read()
    assert width == height
    assert 250 <= width <= 300
    expected = {field: value for field, value in QR_BODY.items() if field != "Size"}
    assert json.loads(qr_text(answer.json["QRCode"])) == expected


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"TrxCode": "XX"}, "TrxCode"),
        ({"TrxCode": "SM"}, "CPI"),  # a till number is no phone number
        ({"TrxCode": "PB", "CPI": "2547123456"}, "CPI"),
        ({"Size": "0"}, "Size"),
        ({"Size": "big"}, "Size"),
        ({"Amount": 0}, "Amount"),
        ({"MerchantName": ""}, "MerchantName"),
    ],
)
def test_the_simulator_refuses_a_qr_field_as_daraja_does(client, bearer, change: dict, field: str):
    answer = client.post("/mpesa/qrcode/v1/generate", json={**QR_BODY, **change}, headers=bearer)

    assert answer.status_code == 400
    assert (answer.json["errorCode"], answer.json["errorMessage"]) == (
        "400.002.02",
        f"Bad Request - Invalid {field}",
    )


def test_the_simulators_swap_dates_by_rule_as_set_and_reset(client, bearer):
    def last_swap(msisdn: str, version: str = "v2") -> dict[str, Any]:
        answer = client.post(f"/imsi/{version}/checkATI", json={"customerNumber": msisdn}, headers=bearer)
        assert answer.status_code == 200
        return answer.json

    today = datetime.now(NAIROBI)
    assert last_swap("254712345690")["lastSwapDate"][:10] == f"{today:%d-%m-%Y}"  # …90: this minute
    assert last_swap("254712345699")["lastSwapDate"][:10] == f"{today - timedelta(days=9):%d-%m-%Y}"
    assert last_swap("254712345689")["lastSwapDate"] == "01-01-1900 00:00"
    client.put("/simulator/sim-swaps/254712345689", json={"days_ago": 91})
    assert last_swap("254712345689")["lastSwapDate"] == "01-01-1900 00:00"  # before Daraja's 3 months
    client.put("/simulator/sim-swaps/254712345689", json={"days_ago": 2})
    v1 = last_swap("254712345689", "v1")
    assert v1["lastSwapDate"][:10] == f"{today - timedelta(days=2):%d-%m-%Y}"
    assert (v1["customerNumber"], len(v1["imsi"])) == ("254712345689", 16)  # the IMSI product's extras
    assert client.get("/simulator/sim-swaps").json == {
        "sim_swaps": [{"msisdn": "254712345689", "days_ago": 2}]
    }
    assert client.delete("/simulator/sim-swaps/254712345689").status_code == 200
    assert last_swap("254712345689")["lastSwapDate"] == "01-01-1900 00:00"
    assert client.delete("/simulator/sim-swaps/254712345689").status_code == 404


def test_the_simulator_refuses_a_bad_number_and_a_bad_control_request(client, bearer):
    answer = client.post("/imsi/v2/checkATI", json={"customerNumber": "0712345678"}, headers=bearer)
    assert answer.json["errorMessage"] == "Bad Request - Invalid customerNumber"
    assert (
        client.post("/imsi/v2/checkATI", json={"customerNumber": "254712345678"}).status_code == 404
    )  # no token

    assert client.put("/simulator/sim-swaps/0712345678", json={"days_ago": 1}).json["field"] == "msisdn"
    assert client.put("/simulator/sim-swaps/254712345678", json={"days": 1}).json["field"] == "body"
    assert client.put("/simulator/sim-swaps/254712345678", json={"days_ago": -1}).json["field"] == "days_ago"
    assert (
        client.put("/simulator/sim-swaps/254712345678", json={"days_ago": True}).json["field"] == "days_ago"
    )


def test_codes_and_ids_daraja_sends_as_numbers_are_read_as_text():
    found, _ = checked({"requestRefID": 4277415525, "responseCode": 200, "lastSwapDate": "01-01-1900 00:00"})

    assert (found.requestRefID, found.last_swap_at) == ("4277415525", None)
