"""The gateway's route table: the one description of its HTTP surface.

Both the CDK stack (infra/api.py) and the local API server (local/api_server.py) read this module, so
the deployed API and the local one cannot drift. It must stay pure Python: no aws_cdk import here.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import ModuleType

from infra.queues import VODACOM_PAYMENTS, WEBHOOK_DELIVERIES, QueueSpec
from infra.tables import TRANSACTIONS, TableSpec

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
LAYER_DIR = PROJECT_ROOT / "layers" / "common"

# Every Lambda's module and entry point inside its functions/<name>/ directory.
HANDLER = "handler.handler"
HANDLER_MODULE, _, HANDLER_ENTRY = HANDLER.rpartition(".")
HANDLER_FILE = Path(*HANDLER_MODULE.split(".")).with_suffix(".py")


class Auth(StrEnum):
    """Who may call a route."""

    MERCHANT = "merchant"  # behind the Lambda authorizer (a bearer token from the token endpoint)
    CALLBACK = "callback"  # open to Safaricom; guarded by the per-app secret in the URL
    CLIENT_CREDENTIALS = "client-credentials"  # open: the request itself carries client credentials


class Access(StrEnum):
    """What a function may touch; the stack turns these into IAM grants."""

    TRANSACTIONS_READ = "transactions:r"
    TRANSACTIONS_READ_WRITE = "transactions:rw"
    REGISTRY_READ = "registry:r"
    REGISTRY_READ_WRITE = "registry:rw"
    APP_SECRETS_READ = "app-secrets:r"
    IDEMPOTENCY_READ_WRITE = "idempotency:rw"
    SIGNING_KEY_READ = "signing-key:r"
    WEBHOOK_QUEUE_SEND = "webhook-queue:send"
    VODACOM_PAYMENT_QUEUE_SEND = "vodacom-payment-queue:send"


@dataclass(frozen=True)
class Function:
    """One Lambda: code in functions/<name>/handler.py."""

    name: str
    description: str
    access: frozenset[Access]
    timeout_seconds: int = 29
    memory_mb: int = 512

    @property
    def source_dir(self) -> Path:
        return FUNCTIONS_DIR / self.name


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: Function
    auth: Auth


_DARAJA_CALLER = frozenset(
    {Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ_WRITE, Access.APP_SECRETS_READ}
)

AUTHORIZER = Function(
    name="authorizer",
    description="Authenticates merchants on every merchant route",
    access=frozenset({Access.REGISTRY_READ, Access.SIGNING_KEY_READ}),
    timeout_seconds=10,
)
GENERATE_TOKEN = Function(
    name="generate_token",
    description="Issues merchant bearer tokens for client credentials",
    access=frozenset({Access.REGISTRY_READ, Access.SIGNING_KEY_READ}),
    timeout_seconds=10,
)
REQUEST_PAYMENT = Function(
    name="request_payment",
    description="M-Pesa Express: sends an STK push; MpesaTz, MpesaCongo: queues Vodacom's push",
    access=_DARAJA_CALLER | {Access.IDEMPOTENCY_READ_WRITE, Access.VODACOM_PAYMENT_QUEUE_SEND},
)
STK_PUSH_PHP = Function(
    name="stk_push_php",
    description="The first seed's STK push (/api/stk_push.php), over the requestPayment logic",
    access=REQUEST_PAYMENT.access,
)
REGISTER_URLS = Function(
    name="register_urls",
    description="C2B: registers the gateway's validation and confirmation URLs with Daraja",
    access=_DARAJA_CALLER,
)
C2B_REGISTER_PHP = Function(
    name="c2b_register_php",
    description="The first seed's C2B URL registration (/api/c2b_register.php), over registerUrls",
    access=_DARAJA_CALLER,
)
SIMULATE_TRANSACTION = Function(
    name="simulate_transaction",
    description="C2B: asks the Daraja sandbox to simulate a customer payment",
    access=_DARAJA_CALLER,
)
VALIDATE_TRANSACTION = Function(
    name="validate_transaction",
    description="C2B: answers Daraja's validation request by the app's rules",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
    timeout_seconds=8,  # Daraja waits about 8 s for the answer
)
C2B_CONFIRMATION = Function(
    name="c2b_confirmation",
    description="C2B: records a confirmed customer payment",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
    timeout_seconds=10,
)
LIST_TRANSACTIONS = Function(
    name="list_transactions",
    description="Lists an app's transactions of every type",
    access=frozenset({Access.TRANSACTIONS_READ, Access.REGISTRY_READ}),
)
GET_TRANSACTION = Function(
    name="get_transaction",
    description="One transaction of any type",
    access=frozenset({Access.TRANSACTIONS_READ, Access.REGISTRY_READ}),
)
EXTRACT_TRANSACTION = Function(
    name="extract_transaction",
    description="MpesaKePersonal: reads M-Pesa confirmation SMS into transactions",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
)
CHECK_BALANCE = Function(
    name="check_balance",
    description="Asks Daraja for an app's account balance (MpesaKePersonal: from its newest SMS)",
    access=_DARAJA_CALLER,
)
SEND_MONEY = Function(
    name="send_money",
    description="B2C or B2B payout",
    access=_DARAJA_CALLER | {Access.IDEMPOTENCY_READ_WRITE},
)
REVERSE_TRANSACTION = Function(
    name="reverse_transaction",
    description="Asks Daraja to reverse a completed transaction",
    access=_DARAJA_CALLER,
)
TRANSACTION_STATUS = Function(
    name="transaction_status",
    description="Asks Daraja for a transaction's status",
    access=_DARAJA_CALLER,
)
PAYOUT_RESULT = Function(
    name="payout_result",
    description="Daraja's result for a payout, reversal, status or balance request",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
    timeout_seconds=10,
)
PAYOUT_TIMEOUT = Function(
    name="payout_timeout",
    description="Daraja's queue timeout for a payout, reversal, status or balance request",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
    timeout_seconds=10,
)
PAYMENT_STATUS = Function(
    name="payment_status",
    description="M-Pesa Express: status of a payment request, asking Daraja while pending",
    access=_DARAJA_CALLER,
)
STK_CALLBACK = Function(
    name="stk_callback",
    description="M-Pesa Express: receives Safaricom's STK callback",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ, Access.APP_SECRETS_READ}),
    timeout_seconds=10,
)

MANAGE_WEBHOOK = Function(
    name="manage_webhook",
    description="Webhooks: an app's endpoint, event filter and signing secret",
    access=frozenset({Access.REGISTRY_READ_WRITE}),
)
LIST_EVENTS = Function(
    name="list_events",
    description="Webhooks: an app's events and their delivery attempts",
    access=frozenset({Access.TRANSACTIONS_READ, Access.REGISTRY_READ}),
)
REDELIVER_EVENT = Function(
    name="redeliver_event",
    description="Webhooks: sends an event to the app's endpoint again",
    access=frozenset({Access.TRANSACTIONS_READ, Access.REGISTRY_READ, Access.WEBHOOK_QUEUE_SEND}),
)
TOP_UP_B2C_ACCOUNT = Function(
    name="top_up_b2c_account",
    description="B2B apps: moves money into a B2C short code's utility account (BusinessPayToBulk)",
    access=_DARAJA_CALLER | {Access.IDEMPOTENCY_READ_WRITE},
)
REMIT_TAX = Function(
    name="remit_tax",
    description="B2B apps: remits tax to KRA against a payment registration number (PayTaxToKRA)",
    access=_DARAJA_CALLER | {Access.IDEMPOTENCY_READ_WRITE},
)

PULL_TRANSACTIONS = Function(
    name="pull_transactions",
    description="C2B: records a window's payments whose confirmation never came (Daraja's Pull Transactions)",
    access=_DARAJA_CALLER,
)
GENERATE_QR_CODE = Function(
    name="generate_qr_code",
    description="Dynamic QR: a code customers scan to pay (Daraja answers at once; no money moves)",
    access=frozenset({Access.REGISTRY_READ_WRITE, Access.APP_SECRETS_READ}),
)
SIM_SWAP = Function(
    name="sim_swap",
    description="SIM swap: when a phone number's SIM card was last swapped (Daraja answers at once)",
    access=frozenset({Access.REGISTRY_READ_WRITE, Access.APP_SECRETS_READ}),
)
CREATE_STANDING_ORDER = Function(
    name="create_standing_order",
    description="Ratiba: asks a customer to approve a standing order",
    access=_DARAJA_CALLER | {Access.IDEMPOTENCY_READ_WRITE},
)
STANDING_ORDER_CALLBACK = Function(
    name="standing_order_callback",
    description="Ratiba: receives the customer's approval or refusal of a standing order",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
    timeout_seconds=10,
)
BILL_MANAGER_OPT_IN = Function(
    name="bill_manager_opt_in",
    description="Bill Manager: opts the app's paybill in, with the gateway as its payment callback",
    access=_DARAJA_CALLER,
)
INVOICES = Function(
    name="invoices",
    description="Bill Manager: sends, shows and cancels invoices",
    access=_DARAJA_CALLER,
)
INVOICE_PAYMENT = Function(
    name="invoice_payment",
    description="Bill Manager: records an invoice's payment",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
    timeout_seconds=10,
)

APP_PREFIX = "/api/pay/{payment_app}"

ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/generate_token", GENERATE_TOKEN, Auth.CLIENT_CREDENTIALS),
    Route("POST", "/api/generate_token.php", GENERATE_TOKEN, Auth.CLIENT_CREDENTIALS),
    Route("POST", f"{APP_PREFIX}/requestPayment", REQUEST_PAYMENT, Auth.MERCHANT),
    Route(
        "GET",
        f"{APP_PREFIX}/checkPaymentRequestStatus/{{transaction}}",
        PAYMENT_STATUS,
        Auth.MERCHANT,
    ),
    Route("POST", f"{APP_PREFIX}/callback", STK_CALLBACK, Auth.CALLBACK),
    Route("POST", "/api/stk_push.php", STK_PUSH_PHP, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/registerUrls", REGISTER_URLS, Auth.MERCHANT),
    Route("POST", "/api/c2b_register.php", C2B_REGISTER_PHP, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/simulateTransaction", SIMULATE_TRANSACTION, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/validateTransaction", VALIDATE_TRANSACTION, Auth.CALLBACK),
    Route("POST", f"{APP_PREFIX}/callback/confirmation", C2B_CONFIRMATION, Auth.CALLBACK),
    Route("GET", f"{APP_PREFIX}/transactions", LIST_TRANSACTIONS, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/transactions/{{transaction}}", GET_TRANSACTION, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/extractTransaction", EXTRACT_TRANSACTION, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/checkBalance", CHECK_BALANCE, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/sendMoney", SEND_MONEY, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/reverseTransaction/{{transaction}}", REVERSE_TRANSACTION, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/getTransactionStatus/{{transaction}}", TRANSACTION_STATUS, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/callback/result", PAYOUT_RESULT, Auth.CALLBACK),
    Route("POST", f"{APP_PREFIX}/callback/timeout", PAYOUT_TIMEOUT, Auth.CALLBACK),
    Route("PUT", f"{APP_PREFIX}/webhook", MANAGE_WEBHOOK, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/webhook", MANAGE_WEBHOOK, Auth.MERCHANT),
    Route("DELETE", f"{APP_PREFIX}/webhook", MANAGE_WEBHOOK, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/webhook/rotateSecret", MANAGE_WEBHOOK, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/events", LIST_EVENTS, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/events/{{event}}", LIST_EVENTS, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/events/{{event}}/redeliver", REDELIVER_EVENT, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/pullTransactions", PULL_TRANSACTIONS, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/topUpB2cAccount", TOP_UP_B2C_ACCOUNT, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/remitTax", REMIT_TAX, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/generateQrCode", GENERATE_QR_CODE, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/simSwap/{{phone_number}}", SIM_SWAP, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/standingOrders", CREATE_STANDING_ORDER, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/callback/standingOrder", STANDING_ORDER_CALLBACK, Auth.CALLBACK),
    Route("POST", f"{APP_PREFIX}/billManager/optIn", BILL_MANAGER_OPT_IN, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/invoices", INVOICES, Auth.MERCHANT),
    Route("GET", f"{APP_PREFIX}/invoices/{{reference}}", INVOICES, Auth.MERCHANT),
    Route("DELETE", f"{APP_PREFIX}/invoices/{{reference}}", INVOICES, Auth.MERCHANT),
    Route("POST", f"{APP_PREFIX}/callback/billManager", INVOICE_PAYMENT, Auth.CALLBACK),
    Route("POST", f"{APP_PREFIX}/bulkInvoices", INVOICES, Auth.MERCHANT),
)


@dataclass(frozen=True)
class Schedule:
    """A function the stack runs on a timer (EventBridge), and `make dev` runs on a thread."""

    function: Function
    every_minutes: int


RECONCILER = Function(
    name="reconciler",
    description="Settles what no callback settled: STK Query, Transaction Status, expiry, escalation",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ_WRITE, Access.APP_SECRETS_READ}),
    timeout_seconds=300,
)

PULL_C2B = Function(
    name="pull_c2b",
    description="C2B: pulls each app's last hours and records the payments whose confirmation never came",
    access=_DARAJA_CALLER,
    timeout_seconds=300,
)

SCHEDULES: tuple[Schedule, ...] = (
    Schedule(RECONCILER, every_minutes=2),
    # Every half hour over a 3-hour look-back (PULL_LOOKBACK_HOURS): a payment is seen by about six pulls.
    Schedule(PULL_C2B, every_minutes=30),
)


@dataclass(frozen=True)
class StreamSubscription:
    """A function fed by a table's change stream (DynamoDB Streams in the stack, a poller in `make dev`)."""

    function: Function
    table: TableSpec
    batch_size: int
    # Only items whose partition key starts with one of these invoke the function (Lambda's event
    # filter); none: every item.
    key_prefixes: tuple[str, ...] = ()
    # A failing batch is retried (halved each time in the stack) this often, then handed to the
    # subscription's failure queue: a poison record cannot block its shard for the stream's 24 hours.
    retry_attempts: int = 10


@dataclass(frozen=True)
class QueueSubscription:
    """A function fed by an SQS queue, reporting partial batch failures (a poller under `make dev`)."""

    function: Function
    queue: QueueSpec
    batch_size: int


PUBLISH_EVENTS = Function(
    name="publish_events",
    description="Webhooks: turns settled transactions into events and queues their delivery",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ, Access.WEBHOOK_QUEUE_SEND}),
    timeout_seconds=60,
)
DELIVER_WEBHOOKS = Function(
    name="deliver_webhooks",
    description="Webhooks: signs and POSTs queued events to merchants, retrying for days",
    access=frozenset({Access.TRANSACTIONS_READ_WRITE, Access.REGISTRY_READ}),
    timeout_seconds=30,
)

# Transactions (TXN#<id>) and raw callbacks (CALLBACK#<app>#<key>: C2B validations have no transaction), as
# mpesa_gateway.store.transactions keys them; the events the publisher writes (EVENT#) never wake it.
STREAMS: tuple[StreamSubscription, ...] = (
    StreamSubscription(PUBLISH_EVENTS, TRANSACTIONS, batch_size=100, key_prefixes=("TXN#", "CALLBACK#")),
)
VODACOM_PAYMENT_WORKER = Function(
    name="vodacom_payments",
    description="MpesaTz, MpesaCongo: makes each accepted payment's C2B single-stage call and settles it",
    access=_DARAJA_CALLER,
    # Vodacom holds the call until the customer acts (VODACOM_PAYMENT_READ_TIMEOUT_SECONDS, 120 s).
    timeout_seconds=180,
)

# Ten at a time, delivered concurrently: one slow merchant holds a batch for one timeout at most.
# Vodacom payments one at a time: each call waits for its customer.
QUEUES: tuple[QueueSubscription, ...] = (
    QueueSubscription(DELIVER_WEBHOOKS, WEBHOOK_DELIVERIES, batch_size=10),
    QueueSubscription(VODACOM_PAYMENT_WORKER, VODACOM_PAYMENTS, batch_size=1),
)


def route_functions() -> tuple[Function, ...]:
    """Each function behind a route, once, in route order."""
    return tuple(dict.fromkeys(route.function for route in ROUTES))


def deployed_functions() -> tuple[Function, ...]:
    """Every Lambda the stack deploys: route functions, the authorizer, scheduled and event-fed functions."""
    subscriptions: tuple[Schedule | StreamSubscription | QueueSubscription, ...] = (
        *SCHEDULES,
        *STREAMS,
        *QUEUES,
    )
    fed = (subscription.function for subscription in subscriptions)
    return tuple(dict.fromkeys((*route_functions(), AUTHORIZER, *fed)))


# API Gateway's longest result TTL for a Lambda authorizer; the stack and the local API both cap theirs.
AUTHORIZER_CACHE_MAX_SECONDS = 3600

# The scheme a 401 asks for (RFC 7235 WWW-Authenticate), from the stack and the local API alike.
MERCHANT_AUTH_CHALLENGE = 'Bearer realm="mpesa-gateway"'

# API Gateway's own answers (authorizer refusals, unknown routes), in the gateway's stable error body.
# The stack installs them as gateway responses; the local API server answers with the same bodies.
GATEWAY_ERRORS: dict[int, tuple[str, str]] = {
    401: ("unauthorized", "Missing or invalid merchant credentials"),
    403: ("forbidden", "These credentials may not call this route"),
    404: ("route_not_found", "No such route"),
    413: ("payload_too_large", "The request body is too large"),
    429: ("too_many_requests", "Too many requests: slow down and retry later"),
}


def import_file(path: Path, module_name: str) -> ModuleType:
    """Import a file under a module name of its own (every function's file is handler.py), as Lambda's
    init does: registered first, so pydantic and dataclasses can find it; forgotten if it fails."""
    spec = importlib.util.spec_from_file_location(module_name, path) if path.is_file() else None
    if spec is None or spec.loader is None:
        raise ImportError(f"no handler at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
