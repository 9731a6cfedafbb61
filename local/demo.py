"""The demo merchants and payment apps of local mode (documented in the README; not for production).

Seeded through AdminService, as an operator would create them, with fixed secrets so that the README's
curl examples and the tests can name them.
"""

from __future__ import annotations

from dataclasses import dataclass

from admin.models import NewApp
from admin.service import AdminService, CredentialStore
from local.simulator.settings import DEMO_VODACOM_API_KEYS
from local.simulator.vodacom.auth import portal_public_key
from mpesa_gateway.config import get_settings
from mpesa_gateway.models import VODACOM_DRIVERS, Driver
from mpesa_gateway.store.app_secrets import AppSecretStore
from mpesa_gateway.store.registry import DynamoRegistry

SANDBOX_SHORT_CODE = "174379"
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
DEMO_CONSUMER_KEY = "demo-consumer-key"
DEMO_CONSUMER_SECRET = "demo-consumer-secret"  # noqa: S105 - documented local demo value
DEMO_INITIATOR_NAME = "testapi"
DEMO_INITIATOR_PASSWORD = "demo-initiator-password"  # noqa: S105 - documented local demo value

_DARAJA_KEYS = {"consumer_key": DEMO_CONSUMER_KEY, "consumer_secret": DEMO_CONSUMER_SECRET}
_INITIATOR = {"initiator_name": DEMO_INITIATOR_NAME, "initiator_password": DEMO_INITIATOR_PASSWORD}
_CREDENTIALS: dict[Driver, dict[str, str]] = {
    Driver.EXPRESS: {**_DARAJA_KEYS, "passkey": SANDBOX_PASSKEY},
    Driver.C2B: _DARAJA_KEYS,
    Driver.B2C: {**_DARAJA_KEYS, **_INITIATOR},
    Driver.B2B: {**_DARAJA_KEYS, **_INITIATOR},
    Driver.PERSONAL: {},
}
# Vodacom's sandbox service provider code, as its portal's examples show it.
VODACOM_SANDBOX_SERVICE_PROVIDER_CODE = "000000"


@dataclass(frozen=True)
class DemoMerchant:
    merchant_id: str
    client_secret: str
    name: str


@dataclass(frozen=True)
class DemoApp:
    app_id: str
    merchant_id: str
    driver: Driver
    short_code: str | None = None

    @property
    def callback_secret(self) -> str:
        return f"{self.app_id}-callback-secret"

    @property
    def credentials(self) -> dict[str, str]:
        if self.driver in VODACOM_DRIVERS:
            # The simulator's API key for this app, and its portal key (made when this process started).
            return {"api_key": DEMO_VODACOM_API_KEYS[self.app_id], "public_key": portal_public_key()}
        return dict(_CREDENTIALS[self.driver])


MERCHANTS = (
    DemoMerchant("demo", "demo-secret", "Demo Merchant"),
    DemoMerchant("other", "other-secret", "Other Merchant"),
)
APPS = (
    DemoApp("demo-express", "demo", Driver.EXPRESS, SANDBOX_SHORT_CODE),
    DemoApp("demo-c2b", "demo", Driver.C2B, "600984"),
    DemoApp("demo-b2c", "demo", Driver.B2C, "600997"),
    DemoApp("demo-b2b", "demo", Driver.B2B, "600992"),
    DemoApp("demo-personal", "demo", Driver.PERSONAL),
    DemoApp("demo-tz", "demo", Driver.TANZANIA, VODACOM_SANDBOX_SERVICE_PROVIDER_CODE),
    DemoApp("demo-drc", "demo", Driver.CONGO, VODACOM_SANDBOX_SERVICE_PROVIDER_CODE),
    DemoApp("other-express", "other", Driver.EXPRESS, SANDBOX_SHORT_CODE),
)


def seed(registry: DynamoRegistry, secret_store: CredentialStore | None = None) -> None:
    admin = AdminService(registry, secret_store or AppSecretStore(get_settings().app_secret_prefix))
    for merchant in MERCHANTS:
        admin.create_merchant(merchant.merchant_id, merchant.name, client_secret=merchant.client_secret)
    for app in APPS:
        admin.create_app(
            NewApp.parse(
                app_id=app.app_id,
                merchant_id=app.merchant_id,
                driver=app.driver,
                short_code=app.short_code,
                credentials=app.credentials,
                callback_secret=app.callback_secret,
            )
        )
