"""The authorizer names a merchant's API key to the usage plan only when the stack asks for keys."""

from __future__ import annotations

from typing import Any

import pytest

from infra.routes import AUTHORIZER, FUNCTIONS_DIR
from local.apigw.invoker import FunctionError, Invoker
from mpesa_gateway.config import get_settings
from tests.integration.conftest import Gateway

METHOD_ARN = "arn:aws:execute-api:af-south-1:000000000000:abc123/prod/POST/api/pay/demo-express/checkBalance"


def authorize(authorization: str) -> Any:
    invoker = Invoker(FUNCTIONS_DIR, "af-south-1", "000000000000")
    event = {"type": "TOKEN", "authorizationToken": authorization, "methodArn": METHOD_ARN}
    return invoker.invoke(AUTHORIZER, event)


def test_with_merchant_api_keys_the_merchants_own_key_is_named(gateway: Gateway, monkeypatch):
    monkeypatch.setenv("MERCHANT_API_KEY_PREFIX", "MpesaGateway-merchant-")
    get_settings.cache_clear()

    demo = authorize(f"Bearer {gateway.token('demo')}")
    other = authorize(f"Bearer {gateway.token('other')}")

    assert (demo["principalId"], demo["usageIdentifierKey"]) == ("demo", "MpesaGateway-merchant-demo")
    assert (other["principalId"], other["usageIdentifierKey"]) == ("other", "MpesaGateway-merchant-other")


def test_without_merchant_api_keys_no_key_is_named(gateway: Gateway):
    answer = authorize(f"Bearer {gateway.token('demo')}")

    assert answer["principalId"] == "demo"
    assert "usageIdentifierKey" not in answer


def test_a_refused_token_names_no_key(gateway: Gateway, monkeypatch):
    monkeypatch.setenv("MERCHANT_API_KEY_PREFIX", "MpesaGateway-merchant-")
    get_settings.cache_clear()

    with pytest.raises(FunctionError, match="Unauthorized"):
        authorize("Bearer not-a-token")
