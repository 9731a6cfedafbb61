"""AppDirectory keeps apps for a while: fewer registry reads, and only taking things away is delayed."""

from __future__ import annotations

import pytest

from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.errors import AppForbidden, CallbackForbidden
from mpesa_gateway.models import Driver, Operation, PaymentApp
from mpesa_gateway.secrets import sha256_hex
from tests.unit.fakes import FakeClock

MAX_AGE = 60


class CountingRegistry:
    def __init__(self, *apps: PaymentApp) -> None:
        self.apps = {app.app_id: app for app in apps}
        self.reads = 0

    def get_app(self, app_id: str) -> PaymentApp | None:
        self.reads += 1
        return self.apps.get(app_id)

    def apps_of(self, merchant_id: str) -> list[PaymentApp]:
        return [app for app in self.apps.values() if app.merchant_id == merchant_id]

    def change(self, app_id: str, **values: object) -> None:
        self.apps[app_id] = self.apps[app_id].model_copy(update=values)


def express(secret: str = "old-secret", **values: object) -> PaymentApp:
    return PaymentApp(
        app_id="shop-stk",
        merchant_id="shop",
        driver=Driver.EXPRESS,
        short_code="174379",
        callback_secret_sha256=sha256_hex(secret),
        **values,
    )


def directory(registry: CountingRegistry, clock: FakeClock, max_age: float = MAX_AGE) -> AppDirectory:
    return AppDirectory(
        registry, load_credentials=None, daraja_factory=None, app_max_age_seconds=max_age, clock=clock
    )


def test_a_kept_app_is_served_without_reading_until_it_is_too_old():
    registry, clock = CountingRegistry(express()), FakeClock()
    apps = directory(registry, clock)

    apps.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT)
    clock.advance(MAX_AGE - 1)
    apps.for_callback("shop-stk", "old-secret")
    apps.by_id("shop-stk")
    assert registry.reads == 1

    clock.advance(1)
    apps.for_merchant("shop-stk", "shop", Operation.PAYMENT_STATUS)
    assert registry.reads == 2


def test_disabling_an_app_reaches_a_warm_container_once_the_kept_copy_is_too_old():
    registry, clock = CountingRegistry(express()), FakeClock()
    apps = directory(registry, clock)
    apps.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT)

    registry.change("shop-stk", enabled=False)
    apps.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT)  # the kept copy: still enabled
    clock.advance(MAX_AGE)

    with pytest.raises(AppForbidden):
        apps.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT)


def test_an_app_that_would_be_refused_is_read_again_so_enabling_it_works_at_once():
    registry, clock = CountingRegistry(express(enabled=False)), FakeClock()
    apps = directory(registry, clock)
    with pytest.raises(AppForbidden):
        apps.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT)

    registry.change("shop-stk", enabled=True)

    assert apps.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT).enabled


def test_a_new_callback_secret_is_accepted_at_once_and_a_wrong_one_refused_after_a_fresh_read():
    registry, clock = CountingRegistry(express("old-secret")), FakeClock()
    apps = directory(registry, clock)
    apps.for_callback("shop-stk", "old-secret")

    registry.change("shop-stk", callback_secret_sha256=sha256_hex("new-secret"))

    assert apps.for_callback("shop-stk", "new-secret").app_id == "shop-stk"
    with pytest.raises(CallbackForbidden):
        apps.for_callback("shop-stk", "made-up")
    with pytest.raises(CallbackForbidden):
        apps.for_callback("shop-stk", None)


def test_an_unknown_app_is_not_kept_so_one_created_a_moment_later_is_found():
    registry, clock = CountingRegistry(), FakeClock()
    apps = directory(registry, clock)
    assert apps.by_id("shop-stk") is None

    registry.apps["shop-stk"] = express()

    assert apps.by_id("shop-stk") == express()


def test_without_a_max_age_every_lookup_reads_the_registry():
    registry, clock = CountingRegistry(express()), FakeClock()
    apps = directory(registry, clock, max_age=0)

    apps.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT)
    apps.for_callback("shop-stk", "old-secret")

    assert registry.reads == 2
