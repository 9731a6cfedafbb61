"""Payment apps as operations see them: ownership, driver rules, credentials and a Daraja client."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from mpesa_gateway.errors import AppForbidden, CallbackForbidden, OperationNotAllowed
from mpesa_gateway.models import ALLOWED_DRIVERS, DarajaCredentials, Operation, PaymentApp
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
    def __init__(
        self, registry: AppRegistry, load_credentials: CredentialsLoader, daraja_factory: DarajaFactory
    ) -> None:
        self._registry = registry
        self._load_credentials = load_credentials
        self._daraja_factory = daraja_factory

    def for_merchant(self, app_id: str, merchant_id: str, operation: Operation) -> PaymentApp:
        """The merchant's own, enabled app, if its driver allows the operation."""
        app = self._registry.get_app(app_id)
        if app is None or app.merchant_id != merchant_id or not app.enabled:
            raise AppForbidden(f"Payment app '{app_id}' does not exist or is not available to you")
        if not app.allows(operation):
            raise OperationNotAllowed(
                f"{operation.value} is not available for the {app.driver.value} driver",
                driver=app.driver.value,
            )
        return app

    def named_or_first(self, app_id: str | None, merchant_id: str, operation: Operation) -> PaymentApp:
        """The named app, or else the merchant's first enabled app (by id) that can run the operation."""
        if app_id:
            return self.for_merchant(app_id, merchant_id, operation)
        for app in self._registry.apps_of(merchant_id):
            if app.enabled and app.allows(operation):
                return app
        drivers = " or ".join(sorted(driver.value for driver in ALLOWED_DRIVERS[operation]))
        raise OperationNotAllowed(
            f"You have no enabled {drivers} payment app for {operation.value}", field="app"
        )

    def for_callback(self, app_id: str, secret: str | None) -> PaymentApp:
        """The app a Safaricom callback names, if the callback carries that app's secret."""
        app = self._registry.get_app(app_id)
        if app is None or not secret or not matches_sha256(secret, app.callback_secret_sha256):
            raise CallbackForbidden("Unknown payment app or wrong callback secret")
        return app

    def by_id(self, app_id: str) -> PaymentApp | None:
        """For the gateway's own background work, which acts for no merchant."""
        return self._registry.get_app(app_id)

    def credentials(self, app: PaymentApp) -> DarajaCredentials:
        return self._load_credentials(app.app_id)

    def daraja(self, app: PaymentApp, credentials: DarajaCredentials) -> DarajaClient:
        credentials.consumer()  # the factory needs both halves: refused here without them
        return self._daraja_factory(app, credentials)
