"""Asynchronous results: what Vodacom posts to the URL an app set on the portal once a transaction ends.

Opt-in per app through the control API (`PUT /simulator/vodacom/result-urls/<app>` {"url": ...}); apps
without one get none. The body is `input_OriginalConversationID`, `input_TransactionID`,
`input_ResultCode` (the INS- code), `input_ResultDesc` and `input_ThirdPartyConversationID`; the
receiver's answer is logged (GET /simulator/callbacks), never acted on. A number's or code's rule may
drop it (`drop_callback`) or send copies (`duplicate_callbacks`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from local.simulator.rules import Rule
from local.simulator.state import SimulatorState, get_state
from local.simulator.validation import is_http_url
from local.simulator.vodacom.auth import session_app
from local.simulator.vodacom.codes import CODES, vodacom_blueprint
from local.simulator.vodacom.transactions import Transaction

blueprint = vodacom_blueprint("vodacom_async_results")

RESULT_URLS_PATH = "/simulator/vodacom/result-urls"
RESULT_DELAY_MS = 100  # after the synchronous answer, as a rule


def result_body(record: Transaction) -> dict[str, Any]:
    return {
        "input_OriginalConversationID": record.conversation_id,
        "input_TransactionID": record.reported_transaction_id,
        "input_ResultCode": record.code,
        "input_ResultDesc": CODES[record.code].description,
        "input_ThirdPartyConversationID": record.third_party_conversation_id,
    }


def send_result(state: SimulatorState, record: Transaction, rule: Rule) -> str:
    """Schedules the result of a finished transaction to its app's URL; says what became of it."""
    app = session_app()
    url = None if app is None else state.vodacom_result_urls.get(app)
    if url is None:
        return "none"
    if rule.drop_callback:
        return "dropped"
    state.dispatcher.schedule(
        url, result_body(record), delay_ms=RESULT_DELAY_MS, extra_copies=rule.duplicate_callbacks
    )
    return "scheduled"


@blueprint.get(RESULT_URLS_PATH)
def list_result_urls() -> Response:
    return jsonify({"result_urls": get_state().vodacom_result_urls.as_dict()})


@blueprint.put(f"{RESULT_URLS_PATH}/<app>")
def set_result_url(app: str) -> tuple[Response, int]:
    state = get_state()
    if app not in state.settings.vodacom_api_keys:
        return jsonify({"error": f"no API key for {app}", "field": "app"}), 404
    body = request.get_json(silent=True)
    url = body.get("url") if isinstance(body, dict) else None
    if not is_http_url(url):
        return jsonify({"error": "must be an http(s) URL", "field": "url"}), 400
    state.vodacom_result_urls.update(app, lambda _: url)
    return jsonify({"app": app, "url": url}), 200


@blueprint.delete(f"{RESULT_URLS_PATH}/<app>")
def delete_result_url(app: str) -> tuple[Response, int]:
    if not get_state().vodacom_result_urls.remove(app):
        return jsonify({"error": f"no result URL for {app}", "field": "app"}), 404
    return jsonify({"deleted": 1}), 200
