"""Dynamic QR and SIM swap through the handlers, against moto and the Daraja simulator: answered at once,
nothing stored, bad input refused before Daraja is asked."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from tests.integration.conftest import Gateway
from tests.qr_images import qr_text

QR_PATH = "/mpesa/qrcode/v1/generate"
SWAP_PATH = "/imsi/v2/checkATI"
NAIROBI = ZoneInfo("Africa/Nairobi")
PAYBILL_QR = {"merchant_name": "Demo Shop", "reference": "INV-2026-001", "amount": 250, "trx_code": "PB"}


def qr(gateway: Gateway, body: dict[str, Any], app: str = "demo-express"):
    return gateway.client.post(f"/api/pay/{app}/generateQrCode", json=body, headers=gateway.auth("demo"))


def sim_swap(gateway: Gateway, phone: str, app: str = "demo-b2c", **query: Any):
    path = f"/api/pay/{app}/simSwap/{phone}"
    return gateway.client.get(path, query_string=query, headers=gateway.auth("demo"))


def refused(answer: Any, status: int, field: str | None, words: str) -> dict[str, Any]:
    """The error of a refusal, which names `field` (None: a refusal about no one field) and says `words`."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    named = error.get("field") or ",".join(problem["field"] for problem in error.get("fields", []))
    assert field in named if field else not named
    assert words in error["message"]
    return error


# --- Dynamic QR ----------------------------------------------------------------------------------

# Each: what is changed in a valid request, the field named, words of the message.
QR_REFUSALS: list[tuple[dict[str, Any], str, str]] = [
    ({"trx_code": "BG"}, "cpi", "this app does not take Buy Goods payments"),  # demo-express is a paybill
    ({"trx_code": "WA"}, "cpi", "cpi is required for trx_code WA"),
    ({"trx_code": "PB", "cpi": "1743"}, "cpi", "5 to 7 digits"),
    ({"trx_code": "SB", "cpi": "600984"}, "cpi", "Kenyan mobile number"),
    ({"trx_code": "WA", "cpi": "123456", "amount": 49}, "amount", "at least 50"),
    ({"amount": 250_001}, "amount", "maximum of 250000"),
    ({"trx_code": "XX"}, "trx_code", "'BG', 'WA', 'PB', 'SM' or 'SB'"),
    ({"size": 99}, "size", "greater than or equal to 100"),
    ({"merchant_name": "x" * 51}, "merchant_name", "at most 50"),
    ({"reference": " "}, "reference", "at least 1"),
]


def test_qr_codes_decode_to_the_payment_bad_requests_are_400s_and_darajas_refusal_is_passed_on(
    gateway: Gateway,
):
    # Out of bounds: a 400 naming the field, and Daraja is not asked.
    for change, field, words in QR_REFUSALS:
        refused(qr(gateway, {**PAYBILL_QR, **change}), 400, field, words)
    # B2C apps' short codes take no payments.
    error = refused(
        qr(gateway, PAYBILL_QR, app="demo-b2c"), 400, None, "not available for the MpesaKeB2C driver"
    )
    assert (error["code"], error["driver"]) == ("operation_not_allowed", "MpesaKeB2C")
    assert gateway.simulator_log_all() == []

    answer = qr(gateway, PAYBILL_QR)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    data = answer.get_json()["data"]
    assert (data["ResponseCode"], data["ResponseDescription"]) == ("00", "QR Code Successfully Generated.")
    assert data["RequestID"]
    assert json.loads(qr_text(data["QRCode"])) == {
        "MerchantName": "Demo Shop",
        "RefNo": "INV-2026-001",
        "Amount": 250,
        "TrxCode": "PB",
        "CPI": "174379",  # demo-express's own paybill, by default
    }
    # Send money, from a C2B app: the phone number normalised, the size passed on as a string.
    body = {**PAYBILL_QR, "trx_code": "SM", "cpi": "0712 345 678", "size": 500}
    decoded = json.loads(qr_text(qr(gateway, body, app="demo-c2b").get_json()["data"]["QRCode"]))
    assert (decoded["TrxCode"], decoded["CPI"]) == ("SM", "254712345678")
    assert [sent["body"]["Size"] for sent in gateway.simulator_log(QR_PATH)] == ["300", "500"]
    assert gateway.items("TXN#") == []  # nothing moved, nothing tracked
    # Daraja's own refusal is passed on with its code.
    fault(gateway, QR_PATH, "daraja_error", error_code="500.003.02")
    error = qr(gateway, PAYBILL_QR).get_json()["error"]
    assert (error["code"], error["daraja_code"]) == ("daraja_rejected", "500.003.02")


def fault(gateway: Gateway, path: str, kind: str, **fields: Any) -> None:
    body = {"path": path, "fault": kind, "count": 1, **fields}
    requests.post(f"{gateway.simulator_url}/simulator/faults", json=body, timeout=5).raise_for_status()


# --- SIM swap ------------------------------------------------------------------------------------

# Each: the phone number, the query, the field named, words of the message.
SIM_SWAP_REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("0812345678", {}, "phone_number", "Kenyan mobile number"),
    ("07123", {}, "phone_number", "path parameter phone_number"),
    ("0712345678", {"within_days": 90}, "within_days", "less than or equal to 89"),
    ("0712345678", {"within_days": 0}, "within_days", "greater than or equal to 1"),
    ("0712345678", {"window": 7}, "window", "Unknown query parameters"),
]


def test_sim_swap_dates_bad_requests_are_400s_and_a_cut_connection_is_a_504(gateway: Gateway):
    for phone, query, field, words in SIM_SWAP_REFUSALS:
        refused(sim_swap(gateway, phone, **query), 400, field, words)
    # Personal apps have no Daraja credentials to ask with.
    error = refused(sim_swap(gateway, "0712345678", app="demo-personal"), 400, None, "MpesaKePersonal driver")
    assert (error["code"], error["driver"]) == ("operation_not_allowed", "MpesaKePersonal")
    assert gateway.simulator_log_all() == []

    before = datetime.now(NAIROBI)

    answer = sim_swap(gateway, "0712345693", within_days=7)  # ending 93: swapped 3 days ago

    assert answer.status_code == 200, answer.get_data(as_text=True)
    data = answer.get_json()["data"]
    swapped = datetime.fromisoformat(data["last_swap_at"])
    assert swapped.utcoffset() == timedelta(hours=3)
    assert timedelta(days=3, minutes=-1) <= before - swapped <= timedelta(days=3, minutes=1)
    assert (data["phone_number"], data["within_days"], data["swapped_within"]) == ("254712345693", 7, True)
    assert data["requestRefID"]
    assert gateway.simulator_log(SWAP_PATH)[0]["body"] == {"customerNumber": "254712345693"}
    assert sim_swap(gateway, "254712345693", within_days=2).get_json()["data"]["swapped_within"] is False
    # Not swapped within Daraja's 3 months (it answers 01-01-1900): no date, not within any window.
    data = sim_swap(gateway, "+254712345678", app="demo-express", within_days=89).get_json()["data"]
    assert (data["last_swap_at"], data["swapped_within"]) == (None, False)
    # A swap the test sets; without within_days, no window is reported.
    url = f"{gateway.simulator_url}/simulator/sim-swaps/254712345678"
    requests.put(url, json={"days_ago": 30}, timeout=5).raise_for_status()
    assert sim_swap(gateway, "254712345678", within_days=31).get_json()["data"]["swapped_within"] is True
    assert "swapped_within" not in sim_swap(gateway, "254712345678").get_json()["data"]
    # The request went and its answer never came: unknown, and harmless to ask again.
    fault(gateway, SWAP_PATH, "reset")
    cut = sim_swap(gateway, "0712345678")
    assert (cut.status_code, cut.get_json()["error"]["code"]) == (504, "daraja_timeout")
