"""Per-app simulator state, kept in app.extensions so independent apps never share it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

from local.simulator.callbacks import CallbackDispatcher, Deliver
from local.simulator.logs import EventLog
from local.simulator.outcomes import Ledger
from local.simulator.rules import RuleBook
from local.simulator.settings import SimulatorSettings
from local.simulator.tokens import TokenStore

if TYPE_CHECKING:
    from local.simulator.stk import StkTransaction

EXTENSION_KEY = "daraja_simulator"


class SimulatorState:
    def __init__(self, settings: SimulatorSettings, deliver: Deliver) -> None:
        self.settings = settings
        self.tokens = TokenStore(settings.token_ttl_seconds)
        self.rules = RuleBook(settings.default_callback_delay_ms)
        self.stk: Ledger[StkTransaction] = Ledger()
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
