"""Builds the simulator's Flask app."""

from __future__ import annotations

import time

from flask import Flask

from local.simulator import (
    billmanager,
    c2b,
    control,
    injection,
    oauth,
    payouts,
    pochi_tax,
    pull,
    qr,
    queries,
    ratiba,
    sim_swap,
    stk,
)
from local.simulator.callbacks import Deliver, post_json
from local.simulator.clock import Monotonic
from local.simulator.errors import DarajaError, error_response
from local.simulator.settings import SimulatorSettings
from local.simulator.state import EXTENSION_KEY, SimulatorState
from local.simulator.vodacom import async_results as vodacom_async_results
from local.simulator.vodacom import auth as vodacom_auth
from local.simulator.vodacom import payments as vodacom_payments
from local.simulator.vodacom import reversals as vodacom_reversals
from local.simulator.vodacom import status as vodacom_status


def create_app(
    settings: SimulatorSettings, *, deliver: Deliver | None = None, clock: Monotonic = time.monotonic
) -> Flask:
    """A self-contained simulator; `deliver` replaces the HTTP POST of callbacks, `clock` the monotonic
    clock that session lifetimes run on (tests)."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep Daraja's field order in answers
    app.extensions[EXTENSION_KEY] = SimulatorState(settings, deliver or post_json, clock)
    for module in (
        oauth, stk, c2b, payouts, queries, control, pull, pochi_tax, qr, sim_swap, ratiba, billmanager,
        vodacom_auth, vodacom_payments, vodacom_status, vodacom_reversals, vodacom_async_results,
    ):  # fmt: skip
        app.register_blueprint(module.blueprint)
    app.register_error_handler(DarajaError, error_response)
    injection.install(app)  # faults, the request log and the record of what Daraja did
    return app
