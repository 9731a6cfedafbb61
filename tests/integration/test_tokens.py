"""Merchant tokens end to end: the token endpoint, then the authorizer in front of every merchant route."""

from __future__ import annotations

import base64
import time

import jwt
import pytest

from mpesa_gateway.config import get_settings
from mpesa_gateway.runtime import load_signing_keys
from mpesa_gateway.store.registry import DynamoRegistry
from mpesa_gateway.tokens import MerchantTokens
from tests.integration.conftest import Gateway
from tests.integration.test_express import PAYMENT

TOKEN_ROUTES = ["/api/generate_token", "/api/generate_token.php"]


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.mark.parametrize("route", TOKEN_ROUTES)
@pytest.mark.parametrize("style", ["json", "form", "basic"])
def test_client_credentials_get_a_one_hour_bearer_token(gateway: Gateway, route: str, style: str):
    fields = {"client_id": "demo", "client_secret": "demo-secret", "grant_type": "client_credentials"}
    if style == "json":
        answer = gateway.client.post(route, json=fields)
    elif style == "form":
        answer = gateway.client.post(route, data=fields, content_type="application/x-www-form-urlencoded")
    else:
        answer = gateway.client.post(route, headers=basic("demo", "demo-secret"))

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["success"] is True
    assert body["token"] == body["access_token"]
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert jwt.decode(body["token"], options={"verify_signature": False})["sub"] == "demo"
    paid = gateway.request_payment(
        PAYMENT, merchant=None, headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert paid.status_code == 200


@pytest.mark.parametrize("route", TOKEN_ROUTES)
@pytest.mark.parametrize(
    "credentials",
    [
        {"json": {"client_id": "demo", "client_secret": "wrong"}},
        {"json": {"client_id": "nobody", "client_secret": "demo-secret"}},
        {"headers": basic("demo", "other-secret")},
    ],
)
def test_bad_client_credentials_are_a_401_with_success_false(gateway: Gateway, route: str, credentials: dict):
    answer = gateway.client.post(route, **credentials)

    assert answer.status_code == 401
    body = answer.get_json()
    assert body["success"] is False
    assert body["error"]["code"] == "invalid_client"


@pytest.mark.parametrize(
    ("request_kwargs", "field"),
    [
        ({}, "body"),
        ({"json": {"client_id": "demo"}}, "client_secret"),
        (
            {"json": {"client_id": "demo", "client_secret": "demo-secret", "grant_type": "password"}},
            "grant_type",
        ),
        ({"data": "client_id=demo", "content_type": "text/plain"}, "application/json"),
    ],
)
def test_malformed_token_requests_are_a_4xx_naming_the_problem(gateway: Gateway, request_kwargs, field: str):
    answer = gateway.client.post("/api/generate_token", **request_kwargs)

    assert 400 <= answer.status_code < 500
    body = answer.get_json()
    assert body["success"] is False
    assert field in body["error"]["message"]


def test_the_client_secret_never_reaches_the_logs(gateway: Gateway, capsys: pytest.CaptureFixture[str]):
    gateway.client.post("/api/generate_token", json={"client_id": "demo", "client_secret": "demo-secret"})
    gateway.client.post("/api/generate_token", json={"client_id": "demo", "client_secret": "wrong-guess"})

    logs = capsys.readouterr()
    assert "demo-secret" not in logs.out + logs.err
    assert "wrong-guess" not in logs.out + logs.err


def forged(**overrides) -> str:
    """A token signed by the gateway's own key but issued at another time."""
    issued_at = overrides.pop("issued_at", time.time())
    return (
        MerchantTokens(load_signing_keys, clock=lambda: issued_at)
        .issue(overrides.pop("merchant", "demo"))
        .token
    )


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(lambda: f"Bearer {forged(issued_at=time.time() - 3700)}", id="expired"),
        pytest.param(lambda: f"Bearer {forged()[:-3]}abc", id="tampered-signature"),
        pytest.param(
            lambda: (
                "Bearer "
                + jwt.encode(
                    jwt.decode(forged(), options={"verify_signature": False}),
                    "an-attackers-key-that-is-long-enough-for-hs256!",
                    headers={"kid": "k1"},
                )
            ),
            id="wrong-key",
        ),
        pytest.param(lambda: f"Bearer {forged(merchant='ghost')}", id="unknown-merchant"),
        pytest.param(
            lambda: "Basic " + base64.b64encode(b"demo:demo-secret").decode(), id="basic-not-accepted"
        ),
    ],
)
def test_bad_tokens_are_refused_by_the_authorizer(gateway: Gateway, authorization):
    answer = gateway.request_payment(PAYMENT, merchant=None, headers={"Authorization": authorization()})

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="mpesa-gateway"'
    assert gateway.items("TXN#") == []


def test_a_disabled_merchants_tokens_stop_working(gateway: Gateway):
    gateway.token("demo")
    registry = DynamoRegistry(get_settings().registry_table)
    registry.put_merchant(registry.get_merchant("demo").model_copy(update={"enabled": False}))

    answer = gateway.request_payment(PAYMENT)
    token = gateway.client.post(
        "/api/generate_token", json={"client_id": "demo", "client_secret": "demo-secret"}
    )

    assert answer.status_code == 401
    assert token.status_code == 401
