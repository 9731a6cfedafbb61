"""Builds the simulator's Flask app."""

from __future__ import annotations

from flask import Flask, Response, request

from local.simulator import c2b, control, oauth, payouts, queries, stk
from local.simulator.callbacks import Deliver, post_json
from local.simulator.errors import DarajaError, error_response
from local.simulator.settings import SimulatorSettings
from local.simulator.state import EXTENSION_KEY, SimulatorState, get_state

CONTROL_PREFIX = "/simulator/"


def create_app(settings: SimulatorSettings, *, deliver: Deliver | None = None) -> Flask:
    """A self-contained simulator; `deliver` replaces the HTTP POST of callbacks (tests)."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep Daraja's field order in answers
    app.extensions[EXTENSION_KEY] = SimulatorState(settings, deliver or post_json)
    for module in (oauth, stk, c2b, payouts, queries, control):
        app.register_blueprint(module.blueprint)
    app.register_error_handler(DarajaError, error_response)
    app.after_request(_log_daraja_request)
    return app


def _log_daraja_request(response: Response) -> Response:
    # Headers are never logged: the Authorization header holds credentials and tokens.
    if not request.path.startswith(CONTROL_PREFIX):
        get_state().request_log.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "body": request.get_json(silent=True),
                "status": response.status_code,
            }
        )
    return response
