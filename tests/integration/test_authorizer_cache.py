"""The merchant authorizer's cache with the real authorizer (the stack's merchantAuthorizerCacheSeconds,
MERCHANT_AUTHORIZER_CACHE_SECONDS locally): what a cached answer saves, and what it costs when a merchant
is disabled. The cache's clock is the test's, so expiry needs no sleep."""

from __future__ import annotations

from typing import Any

import pytest

from mpesa_gateway.config import get_settings
from mpesa_gateway.store.registry import DynamoRegistry
from tests.integration.conftest import Gateway
from tests.integration.test_express import PAYMENT
from tests.unit.fakes import FakeClock, counted

TTL = 60


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api_options(request: pytest.FixtureRequest, clock: FakeClock) -> dict[str, Any]:
    """The gateway's authorizer cache: TTL seconds unless a test asks for another (indirect)."""
    return {"authorizer_cache_seconds": getattr(request, "param", TTL), "clock": clock}


def disable(merchant_id: str) -> None:
    registry = DynamoRegistry(get_settings().registry_table)
    registry.put_merchant(registry.get_merchant(merchant_id).model_copy(update={"enabled": False}))


@pytest.mark.parametrize("api_options", [0], indirect=True)
def test_uncached_a_disabled_merchant_is_refused_on_its_next_call(gateway: Gateway):
    assert gateway.request_payment(PAYMENT).status_code == 200
    disable("demo")

    answer = gateway.request_payment(PAYMENT)

    assert answer.status_code == 401
    assert len(gateway.items("TXN#")) == 1  # the refused call wrote nothing


def test_cached_the_same_token_is_not_checked_again_within_the_ttl(gateway: Gateway):
    invoker = counted(gateway.client.application)

    assert gateway.request_payment(PAYMENT).status_code == 200
    assert gateway.status("txn_unknown").status_code == 404  # authorized, then not found
    assert invoker.authorizer_calls == 1


def test_cached_a_disabled_merchant_keeps_access_until_the_ttl_passes(gateway: Gateway, clock: FakeClock):
    invoker = counted(gateway.client.application)
    assert gateway.request_payment(PAYMENT).status_code == 200
    disable("demo")

    clock.advance(TTL - 1)
    kept = gateway.request_payment(PAYMENT)  # the trade-off: the cached Allow still stands
    clock.advance(1)
    refused = gateway.request_payment(PAYMENT)

    assert (kept.status_code, refused.status_code) == (200, 401)
    assert invoker.authorizer_calls == 2
    assert len(gateway.items("TXN#")) == 2


def test_cached_each_merchants_token_is_authorized_on_its_own(gateway: Gateway):
    invoker = counted(gateway.client.application)
    assert gateway.status("txn_unknown").status_code == 404
    gateway.token("other")  # issued while the merchant was enabled
    disable("other")

    # Another token is not answered from the first one's cache entry: the authorizer refuses it.
    answer = gateway.request_payment(PAYMENT, app="other-express", merchant="other")

    assert answer.status_code == 401
    assert invoker.authorizer_calls == 2
