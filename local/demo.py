"""The demo merchants and payment apps of local mode (documented in the README; not for production)."""

from __future__ import annotations

from dataclasses import dataclass

from local.aws import put_app_secret
from mpesa_gateway.models import Driver, PaymentApp
from mpesa_gateway.secrets import hash_client_secret, sha256_hex
from mpesa_gateway.store.registry import DynamoRegistry, Merchant

SANDBOX_SHORT_CODE = "174379"
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
DEMO_CONSUMER_KEY = "demo-consumer-key"
DEMO_CONSUMER_SECRET = "demo-consumer-secret"  # noqa: S105 - documented local demo value


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

    @property
    def callback_secret(self) -> str:
        return f"{self.app_id}-callback-secret"


MERCHANTS = (
    DemoMerchant("demo", "demo-secret", "Demo Merchant"),
    DemoMerchant("other", "other-secret", "Other Merchant"),
)
APPS = (
    DemoApp("demo-express", "demo", Driver.EXPRESS),
    DemoApp("other-express", "other", Driver.EXPRESS),
)


def seed(registry: DynamoRegistry) -> None:
    for merchant in MERCHANTS:
        registry.put_merchant(
            Merchant(
                merchant_id=merchant.merchant_id,
                name=merchant.name,
                client_secret_hash=hash_client_secret(merchant.client_secret),
            )
        )
    for app in APPS:
        registry.put_app(
            PaymentApp(
                app_id=app.app_id,
                merchant_id=app.merchant_id,
                driver=app.driver,
                short_code=SANDBOX_SHORT_CODE,
                callback_secret_sha256=sha256_hex(app.callback_secret),
            )
        )
        put_app_secret(
            app.app_id,
            {
                "consumer_key": DEMO_CONSUMER_KEY,
                "consumer_secret": DEMO_CONSUMER_SECRET,
                "passkey": SANDBOX_PASSKEY,
                "callback_secret": app.callback_secret,
            },
        )
