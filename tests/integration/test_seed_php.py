"""The first seed's PHP-style API, verbatim: token, then /api/stk_push.php with form or JSON."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Gateway

SEED_STK_FIELDS = {
    "MerchantRequestID",
    "CheckoutRequestID",
    "ResponseCode",
    "ResponseDescription",
    "CustomerMessage",
}


def php_token(gateway: Gateway, client_id: str = "demo", secret: str = "demo-secret") -> dict[str, str]:
    answer = gateway.client.post(
        "/api/generate_token.php",
        data={"client_id": client_id, "client_secret": secret},
        content_type="application/x-www-form-urlencoded",
    )
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


@pytest.mark.parametrize("style", ["form", "json"])
def test_stk_push_php_answers_the_seeds_envelope_and_the_payment_completes(gateway: Gateway, style: str):
    fields = {"phone": "254708374149", "amount": "1", "reference": "INV001", "description": "Test"}
    body = (
        {"data": fields, "content_type": "application/x-www-form-urlencoded"}
        if style == "form"
        else {"json": {**fields, "amount": 1}}
    )

    answer = gateway.client.post("/api/stk_push.php", headers=php_token(gateway), **body)

    assert answer.status_code == 200
    payload = answer.get_json()
    assert payload["status"] == 200
    assert set(payload["response"]) >= SEED_STK_FIELDS
    assert payload["response"]["ResponseCode"] == "0"
    settled = gateway.wait_for(payload["response"]["transaction_id"])
    assert settled["status"] == "COMPLETED"
    assert settled["reference"] == "INV001"


def test_stk_push_php_uses_the_named_app_or_the_first_express_app(gateway: Gateway):
    fields = {"phone": "0712345678", "amount": 5, "reference": "R1"}

    default = gateway.client.post("/api/stk_push.php", headers=php_token(gateway), json=fields)
    foreign = gateway.client.post(
        "/api/stk_push.php", headers=php_token(gateway), json={**fields, "app": "other-express"}
    )

    assert default.status_code == 200
    assert (
        gateway.items(f"TXN#{default.get_json()['response']['transaction_id']}")[0]["app_id"]
        == "demo-express"
    )
    assert foreign.status_code == 403
    assert foreign.get_json() == {
        "status": 403,
        "error": {
            "code": "app_forbidden",
            "message": "Payment app 'other-express' does not exist or is not available to you",
        },
    }


def test_stk_push_php_is_daraja_only_though_vodacom_apps_sort_first(gateway: Gateway):
    """demo-drc sorts before demo-express and takes requestPayment, but the seed's route is an STK push."""
    fields = {"phone": "0712345678", "amount": 5, "reference": "R1"}

    default = gateway.client.post("/api/stk_push.php", headers=php_token(gateway), json=fields)
    named = gateway.client.post(
        "/api/stk_push.php", headers=php_token(gateway), json={**fields, "app": "demo-tz"}
    )

    assert default.status_code == 200
    assert (
        gateway.items(f"TXN#{default.get_json()['response']['transaction_id']}")[0]["app_id"]
        == "demo-express"
    )
    assert named.status_code == 400
    assert named.get_json()["error"] == {
        "code": "operation_not_allowed",
        "message": "This route takes MpesaKeExpress apps, not MpesaTz",
        "driver": "MpesaTz",
    }
    assert gateway.items("TXN#") == gateway.items(f"TXN#{default.get_json()['response']['transaction_id']}")


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"phone": "12345", "amount": 1, "reference": "R1"}, "phone"),
        ({"phone": "0712345678", "amount": 0, "reference": "R1"}, "amount"),
        ({"phone": "0712345678", "amount": 1, "reference": "TOO-LONG-REFERENCE"}, "reference"),
        ({"phone": "0712345678", "amount": 1}, "reference"),
        ({"phone": "0712345678", "amount": 1, "reference": "R1", "app": "demo-c2b"}, "MpesaKeC2B"),
    ],
)
def test_stk_push_php_bad_input_is_a_400_in_the_seeds_envelope(gateway: Gateway, fields: dict, named: str):
    answer = gateway.client.post("/api/stk_push.php", headers=php_token(gateway), json=fields)

    assert answer.status_code == 400
    payload = answer.get_json()
    assert payload["status"] == 400
    assert named in payload["error"]["message"]
    assert gateway.items("TXN#") == []


def test_stk_push_php_without_a_token_is_a_401(gateway: Gateway):
    answer = gateway.client.post(
        "/api/stk_push.php", json={"phone": "0712345678", "amount": 1, "reference": "R"}
    )

    assert answer.status_code == 401
