"""Payment apps as operations see them: ownership, driver rules, credentials and a Daraja client."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from mpesa_gateway.errors import AppForbidden, CallbackForbidden, OperationNotAllowed
from mpesa_gateway.models import ALLOWED_DRIVERS, DarajaCredentials, Driver, Operation, PaymentApp
from mpesa_gateway.secrets import matches_sha256

if TYPE_CHECKING:
    # Only a type here: the client (and requests with it) loads where a function builds one.
    from mpesa_gateway.daraja.client import DarajaClient


class AppRegistry(Protocol):
    def get_app(self, app_id: str) -> PaymentApp | None: ...
    def apps_of(self, merchant_id: str) -> list[PaymentApp]: ...


CredentialsLoader = Callable[[str], DarajaCredentials]
DarajaFactory = Callable[[PaymentApp, DarajaCredentials], "DarajaClient"]


class AppDirectory:
    """Apps as the registry has them, or as it had them at most `app_max_age_seconds` ago (0: always read).

    A container keeps what it read for that long, which saves a registry read on nearly every request and
    callback. What it keeps can only delay taking something away (disabling an app, an old callback
    secret, a rule change): an app it would refuse is read again before it is refused, so enabling an
    app or a new callback secret works at once."""

    def __init__(
        self,
        registry: AppRegistry,
        load_credentials: CredentialsLoader,
        daraja_factory: DarajaFactory,
        *,
        app_max_age_seconds: float = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._load_credentials = load_credentials
        self._daraja_factory = daraja_factory
        self._max_age = app_max_age_seconds
        self._clock = clock
        self._kept: dict[str, tuple[float, PaymentApp]] = {}

    def _app(self, app_id: str) -> PaymentApp | None:
        return self._kept_app(app_id) or self._read(app_id)

    def _checked(self, app_id: str, acceptable: Callable[[PaymentApp], bool]) -> PaymentApp | None:
        """The kept app if it is acceptable; else as the registry has it now (what was kept may be out
        of date)."""
        kept = self._kept_app(app_id)
        return kept if kept is not None and acceptable(kept) else self._read(app_id)

    def _kept_app(self, app_id: str) -> PaymentApp | None:
        kept = self._kept.get(app_id)
        return kept[1] if kept is not None and self._clock() - kept[0] < self._max_age else None

    def _read(self, app_id: str) -> PaymentApp | None:
        app = self._registry.get_app(app_id)
        # An unknown id is not kept: an app created a moment ago is found at once, and ids that
        # strangers make up take no memory.
        if app is not None and self._max_age > 0:
            self._kept[app_id] = (self._clock(), app)
        return app

    def for_merchant(self, app_id: str, merchant_id: str, operation: Operation) -> PaymentApp:
        """The merchant's own, enabled app, if its driver allows the operation."""

        def usable(app: PaymentApp) -> bool:
            return app.merchant_id == merchant_id and app.enabled and app.allows(operation)

        app = self._checked(app_id, usable)
        if app is None or app.merchant_id != merchant_id or not app.enabled:
            raise AppForbidden(f"Payment app '{app_id}' does not exist or is not available to you")
        if not app.allows(operation):
            raise OperationNotAllowed(
                f"{operation.value} is not available for the {app.driver.value} driver",
                driver=app.driver.value,
            )
        return app

    def named_or_first(
        self,
        app_id: str | None,
        merchant_id: str,
        operation: Operation,
        drivers: frozenset[Driver] | None = None,
    ) -> PaymentApp:
        """The named app, or else the merchant's first enabled app (by id) that can run the operation;
        `drivers` narrows both to those drivers (the seed's routes are Daraja's, not every provider's)."""
        allowed = ALLOWED_DRIVERS[operation] & (drivers or frozenset(Driver))
        names = " or ".join(sorted(driver.value for driver in allowed))
        if app_id:
            app = self.for_merchant(app_id, merchant_id, operation)
            if app.driver not in allowed:
                raise OperationNotAllowed(
                    f"This route takes {names} apps, not {app.driver.value}", driver=app.driver.value
                )
            return app
        for app in self._registry.apps_of(merchant_id):
            if app.enabled and app.driver in allowed:
                return app
        raise OperationNotAllowed(
            f"You have no enabled {names} payment app for {operation.value}", field="app"
        )

    def for_callback(self, app_id: str, secret: str | None) -> PaymentApp:
        """The app a Safaricom callback names, if the callback carries that app's secret."""
        if not secret:
            raise CallbackForbidden("Unknown payment app or wrong callback secret")
        app = self._checked(app_id, lambda app: matches_sha256(secret, app.callback_secret_sha256))
        if app is None or not matches_sha256(secret, app.callback_secret_sha256):
            raise CallbackForbidden("Unknown payment app or wrong callback secret")
        return app

    def by_id(self, app_id: str) -> PaymentApp | None:
        """For the gateway's own background work, which acts for no merchant."""
        return self._app(app_id)

    def credentials(self, app: PaymentApp) -> DarajaCredentials:
        return self._load_credentials(app.app_id)

    def daraja(self, app: PaymentApp, credentials: DarajaCredentials) -> DarajaClient:
        credentials.consumer()  # the factory needs both halves: refused here without them
        return self._daraja_factory(app, credentials)
