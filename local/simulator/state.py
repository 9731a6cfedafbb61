"""Per-app simulator state, kept in app.extensions so independent apps never share it."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, TypeVar

from flask import Flask, current_app

from local.simulator.callbacks import CallbackDispatcher, Deliver
from local.simulator.logs import EventLog
from local.simulator.outcomes import Ledger
from local.simulator.rules import RuleBook
from local.simulator.settings import SimulatorSettings
from local.simulator.tokens import TokenStore

if TYPE_CHECKING:
    from local.simulator.c2b import C2BRegistration
    from local.simulator.stk import StkTransaction

EXTENSION_KEY = "daraja_simulator"

RecordT = TypeVar("RecordT")


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


class SimulatorState:
    def __init__(self, settings: SimulatorSettings, deliver: Deliver) -> None:
        self.settings = settings
        self.tokens = TokenStore(settings.token_ttl_seconds)
        self.rules = RuleBook(settings.default_callback_delay_ms)
        self.stk: Ledger[StkTransaction] = Ledger()
        self.c2b_registrations: Registry[C2BRegistration] = Registry()  # by short code
        self.request_log = EventLog()
        self.callback_log = EventLog()
        self.dispatcher = CallbackDispatcher(deliver, settings.callback_timeout_seconds, self.callback_log)

    def shutdown(self) -> None:
        self.dispatcher.shutdown()


def get_state(app: Flask | None = None) -> SimulatorState:
    """The state of `app`, or of the app serving the current request."""
    target = app if app is not None else current_app
    state: SimulatorState = target.extensions[EXTENSION_KEY]
    return state
