"""Per-app simulator state, kept in app.extensions so independent apps never share it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask import Flask, current_app

from local.simulator.balances import OrgAccounts
from local.simulator.callbacks import CallbackDispatcher, Deliver
from local.simulator.clock import Monotonic
from local.simulator.faults import FaultBook
from local.simulator.logs import EventLog
from local.simulator.outcomes import Ledger
from local.simulator.receipts import ReceiptBook
from local.simulator.rules import RuleBook
from local.simulator.security import InitiatorKeys
from local.simulator.settings import SimulatorSettings
from local.simulator.tokens import TokenStore
from local.simulator.vodacom.sessions import SessionStore
from local.simulator.vodacom.transactions import TransactionBook

if TYPE_CHECKING:
    from local.simulator.billmanager import BilledInvoice, OptIn
    from local.simulator.c2b import C2BPayment, C2BRegistration
    from local.simulator.pull import PullRegistration
    from local.simulator.ratiba import StandingOrder
    from local.simulator.sim_swap import SimSwap
    from local.simulator.stk import StkTransaction

EXTENSION_KEY = "daraja_simulator"

RecordT = TypeVar("RecordT")
# A fault run of thousands of payments must fit; an entry is a few hundred bytes.
PROCESSED_MAX_ENTRIES = 200_000


class Registry(Generic[RecordT]):
    """Thread-safe records by key, in insertion order, that the control API can list and delete."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, RecordT] = {}

    def add(self, key: str, record: RecordT) -> bool:
        """Stores the record unless the key is taken; never overwrites."""
        with self._lock:
            if key in self._records:
                return False
            self._records[key] = record
            return True

    def get(self, key: str) -> RecordT | None:
        with self._lock:
            return self._records.get(key)

    def update(self, key: str, change: Callable[[RecordT | None], RecordT | None]) -> RecordT | None:
        """Stores change(current record or None) in one step; a None result leaves no record."""
        with self._lock:
            record = change(self._records.get(key))
            if record is None:
                self._records.pop(key, None)
            else:
                self._records[key] = record
            return record

    def all(self) -> list[RecordT]:
        with self._lock:
            return list(self._records.values())

    def remove(self, key: str) -> bool:
        with self._lock:
            return self._records.pop(key, None) is not None

    def clear(self) -> int:
        with self._lock:
            count = len(self._records)
            self._records.clear()
        return count

    def as_dict(self) -> dict[str, RecordT]:
        with self._lock:
            return dict(self._records)


class BackgroundJobs:
    """Delayed work on daemon timers (e.g. a C2B validation then confirmation); shutdown() cancels it."""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._timers: set[threading.Timer] = set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def schedule(self, delay_ms: int, job: Callable[[], None]) -> None:
        timer: threading.Timer

        def run() -> None:
            try:
                job()
            finally:
                with self._lock:
                    self._timers.discard(timer)

        timer = threading.Timer(delay_ms / 1000, run)
        timer.daemon = True  # pending work must not keep a dev server or test run alive
        with self._lock:
            if self._stopping.is_set():
                return
            self._timers.add(timer)
        timer.start()

    def shutdown(self) -> None:
        self._stopping.set()
        with self._lock:
            timers = list(self._timers)
            self._timers.clear()
        for timer in timers:
            timer.cancel()


# exchange(url, body, timeout_seconds) -> (HTTP status, the answer's JSON or None); raising = no answer.
Exchange = Callable[[str, dict[str, Any], float], tuple[int, Any]]


class SimulatorState:
    def __init__(
        self, settings: SimulatorSettings, deliver: Deliver, clock: Monotonic = time.monotonic
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.tokens = TokenStore(settings.token_ttl_seconds)
        self.rules = RuleBook(settings.default_callback_delay_ms)
        self.stk: Ledger[StkTransaction] = Ledger()
        self.c2b_registrations: Registry[C2BRegistration] = Registry()  # by short code
        self.c2b_payments: Registry[C2BPayment] = Registry()  # by TransID
        self.c2b_balances: Registry[int] = Registry()  # whole shillings by short code
        # How C2B validation URLs are called, when their answer matters; None: derived from `deliver`.
        self.c2b_exchange: Exchange | None = None
        self.deliver = deliver
        self.initiator_keys = InitiatorKeys()  # the certificate that SecurityCredentials are made with
        self.receipts = ReceiptBook()  # every receipt issued: what reversals and status queries know
        self.org_accounts = OrgAccounts()  # balances per short code, drawn on by B2C and B2B
        # OriginatorConversationID -> ConversationID of every accepted account API request.
        self.conversations: Registry[str] = Registry()
        self.jobs = BackgroundJobs()
        self.request_log = EventLog()
        self.faults = FaultBook(settings.fault_seed)
        # What Daraja did: one entry per processed STK push and payout (see `effects`).
        self.processed = EventLog(PROCESSED_MAX_ENTRIES)
        self.callback_log = EventLog()
        self.dispatcher = CallbackDispatcher(deliver, settings.callback_timeout_seconds, self.callback_log)
        # Pull Transactions: registrations by short code, and how many transactions a query's page holds.
        self.pull_registrations: Registry[PullRegistration] = Registry()
        self.pull_page_size = 1000
        self.pochi_balances: Registry[int] = Registry()  # whole shillings by customer number (B2Pochi)
        self.paid_prns: Registry[str] = Registry()  # KRA PRN -> the receipt that paid it (Tax Remittance)
        self.sim_swaps: Registry[SimSwap] = Registry()  # SIM swaps set by tests, by MSISDN
        self.standing_orders: Registry[StandingOrder] = Registry()  # by customer number and name
        self.bill_opt_ins: Registry[OptIn] = Registry()  # by short code
        self.invoices: Registry[BilledInvoice] = Registry()  # by external reference
        # Vodacom's OpenAPI (local.simulator.vodacom): its sessions and every transaction it took.
        self.vodacom_sessions = SessionStore(
            clock, settings.vodacom_session_activation_seconds, settings.vodacom_session_lifetime_seconds
        )
        self.vodacom_transactions = TransactionBook()
        self.vodacom_result_urls: Registry[str] = Registry()  # app name -> where its results go

    @property
    def certificate_pem(self) -> str:
        """The PEM certificate whose public key SecurityCredentials must be encrypted with."""
        return self.initiator_keys.certificate_pem

    def shutdown(self) -> None:
        self.jobs.shutdown()
        self.dispatcher.shutdown()


def get_state(app: Flask | None = None) -> SimulatorState:
    """The state of `app`, or of the app serving the current request."""
    target = app if app is not None else current_app
    state: SimulatorState = target.extensions[EXTENSION_KEY]
    return state
