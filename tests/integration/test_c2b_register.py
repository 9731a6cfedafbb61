"""C2B URL registration through the gateway, against the simulator's v1/v2 registerurl."""

from __future__ import annotations

import pytest
import requests

from mpesa_gateway.config import get_settings
from tests.integration.conftest import Gateway


def registrations(gateway: Gateway) -> list[dict]:
    return requests.get(f"{gateway.simulator_url}/simulator/c2b/registrations", timeout=5).json()[
        "registrations"
    ]


def register(gateway: Gateway, app: str = "demo-c2b", merchant: str = "demo"):
    return gateway.client.post(f"/api/pay/{app}/registerUrls", headers=gateway.auth(merchant))


def test_register_urls_sends_the_gateways_urls_and_answers_the_seeds_shape(gateway: Gateway):
    answer = register(gateway)

    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert set(data) == {"ConversationID", "OriginatorConversationID", "ResponseDescription"}
    assert data["OriginatorConversationID"]
    (registration,) = registrations(gateway)
    assert registration["short_code"] == "600984"
    assert registration["version"] == "v2"
    assert registration["response_type"] == "Completed"
    secret = "demo-c2b-callback-secret"
    base = "https://gateway.example/api/pay/demo-c2b"
    assert registration["validation_url"] == f"{base}/validateTransaction?secret={secret}"
    assert registration["confirmation_url"] == f"{base}/callback/confirmation?secret={secret}"


def test_registering_again_is_a_409_not_a_500(gateway: Gateway):
    register(gateway)

    again = register(gateway)

    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "urls_already_registered"


def test_a_base_url_with_a_word_daraja_refuses_is_a_400_naming_it(gateway: Gateway, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://abc123.execute-api.af-south-1.amazonaws.com/prod")
    get_settings.cache_clear()

    answer = register(gateway)

    assert answer.status_code == 400
    assert "'exec'" in answer.get_json()["error"]["message"]
    assert registrations(gateway) == []


@pytest.mark.parametrize(
    ("app", "merchant", "status"),
    [("demo-express", "demo", 400), ("other-express", "demo", 403), ("demo-c2b", "other", 403)],
)
def test_register_urls_only_for_the_merchants_own_c2b_apps(gateway: Gateway, app, merchant, status):
    answer = register(gateway, app=app, merchant=merchant)

    assert answer.status_code == status
    assert registrations(gateway) == []


@pytest.mark.parametrize("body", [{}, {"json": {}}, {"json": {"app": "demo-c2b"}}])
def test_c2b_register_php_uses_the_first_c2b_app_and_the_seeds_envelope(gateway: Gateway, body: dict):
    answer = gateway.client.post("/api/c2b_register.php", headers=gateway.auth("demo"), **body)

    assert answer.status_code == 200
    payload = answer.get_json()
    assert payload["status"] == 200
    assert payload["response"]["ResponseDescription"] == "Success"
    assert [r["short_code"] for r in registrations(gateway)] == ["600984"]


def test_c2b_register_php_for_a_merchant_without_a_c2b_app_is_a_400(gateway: Gateway):
    answer = gateway.client.post("/api/c2b_register.php", headers=gateway.auth("other"))

    assert answer.status_code == 400
    assert answer.get_json()["status"] == 400
    assert "MpesaKeC2B" in answer.get_json()["error"]["message"]
