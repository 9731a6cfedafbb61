"""The container's wiring: one set of clients and services per Lambda container, built on first use.

Each factory imports what it builds when it is first called, so a function's cold start loads only the
services its own handler asks for (a token check needs neither requests nor the Daraja client, a
balance query not the C2B rules, the webhook services not the payment ones).
"""

from __future__ import annotations

from functools import cache, partial
from typing import TYPE_CHECKING

from mpesa_gateway import snapstart
from mpesa_gateway.config import get_settings

if TYPE_CHECKING:
    import requests

    from mpesa_gateway.account.service import AccountService
    from mpesa_gateway.apps import AppDirectory
    from mpesa_gateway.auth import MerchantAuthenticator
    from mpesa_gateway.billmanager.service import BillManagerService
    from mpesa_gateway.c2b.pull import PullService
    from mpesa_gateway.c2b.service import C2BService
    from mpesa_gateway.daraja.client import DarajaClient
    from mpesa_gateway.daraja.token_cache import SharedTokenCache
    from mpesa_gateway.events.delivery import WebhookDeliverer
    from mpesa_gateway.events.publishing import EventPublisher
    from mpesa_gateway.events.service import WebhookService
    from mpesa_gateway.express.service import ExpressService
    from mpesa_gateway.ledger import Ledger
    from mpesa_gateway.models import DarajaCredentials, PaymentApp
    from mpesa_gateway.payouts.service import PayoutService
    from mpesa_gateway.personal.service import PersonalService
    from mpesa_gateway.qr.service import QrService
    from mpesa_gateway.ratiba.service import RatibaService
    from mpesa_gateway.reconciler import Reconciler
    from mpesa_gateway.results import ResultService
    from mpesa_gateway.simswap.service import SimSwapService
    from mpesa_gateway.store.events import DynamoEndpointStore, DynamoEventStore
    from mpesa_gateway.store.queues import DeliveryQueue, PaymentJobQueue
    from mpesa_gateway.store.registry import DynamoRegistry
    from mpesa_gateway.store.transactions import DynamoTransactionStore
    from mpesa_gateway.tokens import MerchantTokens, SigningKeys
    from mpesa_gateway.tracked import TrackedRequests
    from mpesa_gateway.vodacom.client import VodacomClient
    from mpesa_gateway.vodacom.service import VodacomService

# Secrets change rarely; five minutes bounds how long a rotated one takes to be seen (an unknown
# signing key id forces a fresh read at once).
_CREDENTIALS_MAX_AGE_SECONDS = 300


def load_credentials(app_id: str) -> DarajaCredentials:
    from aws_lambda_powertools.utilities import parameters

    from mpesa_gateway.models import DarajaCredentials

    name = f"{get_settings().app_secret_prefix}{app_id}"
    secret = parameters.get_secret(name, transform="json", max_age=_CREDENTIALS_MAX_AGE_SECONDS)
    return DarajaCredentials.model_validate(secret)


@cache
def token_cache() -> SharedTokenCache:
    from mpesa_gateway.daraja.token_cache import SharedTokenCache
    from mpesa_gateway.store.registry import DynamoTokenStore

    settings = get_settings()
    return SharedTokenCache(
        DynamoTokenStore(settings.registry_table),
        refresh_margin_seconds=settings.token_refresh_margin_seconds,
        lease_seconds=settings.token_lease_seconds,
    )


@cache
def pooled_session_once() -> requests.Session:
    """One keep-alive pool per container, reused across invocations."""
    from mpesa_gateway.daraja.client import pooled_session

    return pooled_session()


def daraja_client(app: PaymentApp, credentials: DarajaCredentials) -> DarajaClient:
    from mpesa_gateway.daraja.client import DarajaClient, Timeouts

    settings = get_settings()
    consumer_key, consumer_secret = credentials.consumer()
    return DarajaClient(
        settings.daraja_live_url if app.is_live else settings.daraja_sandbox_url,
        consumer_key,
        consumer_secret,
        session=pooled_session_once(),
        tokens=token_cache(),
        timeouts=Timeouts(settings.daraja_connect_timeout_seconds, settings.daraja_read_timeout_seconds),
    )


@cache
def session_cache() -> SharedTokenCache:
    """Vodacom's sessions, in the same table as Daraja's tokens, renewed well before they expire: the
    session they replace serves while Vodacom activates the new one."""
    from mpesa_gateway.daraja.token_cache import SharedTokenCache
    from mpesa_gateway.store.registry import DynamoTokenStore

    settings = get_settings()
    return SharedTokenCache(
        DynamoTokenStore(settings.registry_table),
        refresh_margin_seconds=settings.vodacom_session_renew_margin_seconds,
        lease_seconds=settings.token_lease_seconds,
    )


def vodacom_client(app: PaymentApp, long_call: bool) -> VodacomClient:
    """`long_call`: the worker's single-stage call, which waits for the customer (and may wait for a
    session's activation: no merchant is waiting on it)."""
    from mpesa_gateway.daraja.client import Timeouts
    from mpesa_gateway.vodacom.client import SessionTimes, VodacomClient
    from mpesa_gateway.vodacom.markets import market_of

    settings = get_settings()
    api_key, public_key = app_directory().credentials(app).vodacom()
    read = (
        settings.vodacom_payment_read_timeout_seconds if long_call else settings.daraja_read_timeout_seconds
    )
    activation = settings.vodacom_session_activation_seconds
    return VodacomClient(
        settings.vodacom_url,
        is_live=app.is_live,
        market=market_of(app),
        api_key=api_key,
        public_key=public_key,
        http=pooled_session_once(),
        sessions=session_cache(),
        timeouts=Timeouts(settings.daraja_connect_timeout_seconds, read),
        times=SessionTimes(
            lifetime_seconds=settings.vodacom_session_lifetime_seconds,
            activation_seconds=activation,
            wait_seconds=activation + 5 if long_call else settings.vodacom_session_wait_seconds,
        ),
    )


@cache
def vodacom_payment_jobs() -> PaymentJobQueue:
    from mpesa_gateway.store.queues import PaymentJobQueue

    return PaymentJobQueue(get_settings().vodacom_payment_queue_url)


@cache
def vodacom_service() -> VodacomService:
    from mpesa_gateway.vodacom.service import VodacomService

    settings = get_settings()
    return VodacomService(app_directory(), transactions(), settings, vodacom_payment_jobs(), vodacom_client)


@cache
def registry() -> DynamoRegistry:
    from mpesa_gateway.store.registry import DynamoRegistry

    return DynamoRegistry(get_settings().registry_table)


@cache
def app_directory() -> AppDirectory:
    from mpesa_gateway.apps import AppDirectory

    max_age = get_settings().app_cache_seconds
    return AppDirectory(registry(), load_credentials, daraja_client, app_max_age_seconds=max_age)


@cache
def express_service() -> ExpressService:
    from mpesa_gateway.express.service import ExpressService

    settings = get_settings()
    return ExpressService(app_directory(), transactions(), settings)


def load_signing_keys(force_fetch: bool) -> SigningKeys:
    from aws_lambda_powertools.utilities import parameters

    from mpesa_gateway.tokens import SigningKeys

    secret = parameters.get_secret(
        get_settings().signing_key_secret,
        transform="json",
        max_age=_CREDENTIALS_MAX_AGE_SECONDS,
        force_fetch=force_fetch,
    )
    return SigningKeys.from_secret(secret)


@cache
def merchant_tokens() -> MerchantTokens:
    from mpesa_gateway.tokens import MerchantTokens

    return MerchantTokens(load_signing_keys)


@cache
def merchant_authenticator() -> MerchantAuthenticator:
    from mpesa_gateway.auth import MerchantAuthenticator

    return MerchantAuthenticator(registry(), merchant_tokens())


@cache
def transactions() -> DynamoTransactionStore:
    from mpesa_gateway.store.transactions import DynamoTransactionStore

    return DynamoTransactionStore(get_settings().transactions_table)


@cache
def c2b_service() -> C2BService:
    from mpesa_gateway.c2b.forwarding import forward_to_merchant
    from mpesa_gateway.c2b.service import C2BService

    settings = get_settings()
    forward = partial(forward_to_merchant, allow_local=settings.allow_local_merchant_urls)
    return C2BService(app_directory(), transactions(), forward, settings.max_transaction_amount)


@cache
def ledger() -> Ledger:
    from mpesa_gateway.ledger import Ledger

    return Ledger(transactions())


@cache
def personal_service() -> PersonalService:
    from mpesa_gateway.personal.service import PersonalService

    return PersonalService(transactions())


@cache
def tracked_requests() -> TrackedRequests:
    from mpesa_gateway.tracked import TrackedRequests

    return TrackedRequests(app_directory(), transactions(), get_settings())


@cache
def payout_service() -> PayoutService:
    from mpesa_gateway.payouts.service import PayoutService

    return PayoutService(tracked_requests())


@cache
def account_service() -> AccountService:
    from mpesa_gateway.account.service import AccountService

    return AccountService(tracked_requests(), ledger(), transactions())


@cache
def result_service() -> ResultService:
    from mpesa_gateway.results import ResultService

    return ResultService(app_directory(), transactions())


@cache
def reconciler() -> Reconciler:
    from mpesa_gateway.reconciler import Reconciler

    return Reconciler(
        apps=app_directory(),
        transactions=transactions(),
        express=express_service(),
        results=result_service(),
        c2b=c2b_service(),
        account=account_service(),
        vodacom=vodacom_service(),
        settings=get_settings(),
        ratiba=ratiba_service(),
        bill_manager=bill_manager_service(),
    )


@cache
def event_store() -> DynamoEventStore:
    from mpesa_gateway.store.events import DynamoEventStore

    return DynamoEventStore(get_settings().transactions_table)


@cache
def endpoint_store() -> DynamoEndpointStore:
    from mpesa_gateway.store.events import DynamoEndpointStore

    return DynamoEndpointStore(get_settings().registry_table)


@cache
def delivery_queue() -> DeliveryQueue:
    from mpesa_gateway.store.queues import DeliveryQueue

    return DeliveryQueue(get_settings().webhook_queue_url)


@cache
def event_publisher() -> EventPublisher:
    from mpesa_gateway.events.publishing import EventPublisher

    return EventPublisher(event_store(), endpoint_store(), delivery_queue())


@cache
def webhook_deliverer() -> WebhookDeliverer:
    from mpesa_gateway.events.delivery import DeliverySettings, WebhookDeliverer

    settings = get_settings()
    delivery = DeliverySettings(settings.webhook_timeout_seconds, settings.allow_local_merchant_urls)
    return WebhookDeliverer(event_store(), endpoint_store(), delivery)


@cache
def webhook_service() -> WebhookService:
    from mpesa_gateway.events.service import WebhookService

    local_mode = get_settings().allow_local_merchant_urls
    return WebhookService(endpoint_store(), event_store(), delivery_queue(), local_mode=local_mode)


@cache
def pull_service() -> PullService:
    from mpesa_gateway.c2b.pull import PullService

    return PullService(app_directory(), c2b_service(), get_settings().pull_lookback_hours)


def c2b_apps() -> list[PaymentApp]:
    """Every enabled app that may pull C2B transactions, across merchants (for the scheduled pull)."""
    from mpesa_gateway.models import Operation

    found = registry()
    return [
        app
        for merchant in found.list_merchants()
        for app in found.apps_of(merchant.merchant_id)
        if app.enabled and app.allows(Operation.PULL_TRANSACTIONS)
    ]


@cache
def qr_service() -> QrService:
    from mpesa_gateway.qr.service import QrService

    return QrService(app_directory(), get_settings().max_transaction_amount)


@cache
def sim_swap_service() -> SimSwapService:
    from mpesa_gateway.simswap.service import SimSwapService

    return SimSwapService(app_directory())


@cache
def ratiba_service() -> RatibaService:
    from mpesa_gateway.ratiba.service import RatibaService

    return RatibaService(app_directory(), transactions(), get_settings())


@cache
def bill_manager_service() -> BillManagerService:
    from mpesa_gateway.billmanager.service import BillManagerService
    from mpesa_gateway.store.invoices import DynamoInvoiceStore

    invoices = DynamoInvoiceStore(get_settings().transactions_table)
    return BillManagerService(app_directory(), transactions(), invoices)


# With Lambda SnapStart, the services a handler imports from here are built into the snapshot; each
# restored copy gets its own token caches (a lease owner id must name one container, not every copy).
snapstart.register(__name__, per_copy=(token_cache, session_cache))
